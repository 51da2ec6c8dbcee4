from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow


class ApiKey(TenantMixin, db.Model):
    """A key an integration sends as its bearer token. It belongs to the tenant, not to a person.

    Only the SHA-256 of the key is stored: the key is 256 random bits, so a fast hash is enough
    (nothing to guess from), and a lookup by hash is one indexed read per request.
    """

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, see app/api_keys/scopes.py
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    last_four: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def display(self) -> str:
        return f"{self.prefix}…{self.last_four}"

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now
