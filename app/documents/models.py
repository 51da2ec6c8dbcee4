from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenancy import TenantMixin
from app.tenancy_fk import tenant_key
from app.timeutil import utcnow


class Document(TenantMixin, db.Model):
    """A prompt or knowledge document that a topic or hook link may carry."""

    __tablename__ = "document"
    __table_args__ = (tenant_key(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
