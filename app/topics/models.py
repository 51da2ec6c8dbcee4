from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.dtos import Dto
from app.extensions import db
from app.openapi import BOOLEAN, INTEGER, STRING, nullable
from app.tenancy import TenantMixin
from app.tenancy_fk import tenant_key


class Topic(TenantMixin, db.Model):
    """A subject that conversations are classified into; actions are linked per topic."""

    __tablename__ = "topic"
    __table_args__ = (tenant_key(), UniqueConstraint("customer_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def to_dto(self) -> dict:
        return TOPIC.dump(self)


TOPIC = Dto("TopicReadDTO", {
    "topicID": (INTEGER, "id"),
    "customerID": (INTEGER, "customer_id"),
    "name": (STRING, "name"),
    "description": (nullable(STRING), "description"),
    "isActive": (BOOLEAN, "is_active"),
})
TOPIC_SCHEMA = TOPIC.schema
