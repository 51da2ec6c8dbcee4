from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.openapi import BOOLEAN, INTEGER, STRING, dto, nullable
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
        return {
            "topicID": self.id,
            "customerID": self.customer_id,
            "name": self.name,
            "description": self.description,
            "isActive": self.is_active,
        }


# The response schema of Topic.to_dto, for the OpenAPI document.
TOPIC_SCHEMA = dto("TopicReadDTO", {
    "topicID": INTEGER, "customerID": INTEGER, "name": STRING, "description": nullable(STRING), "isActive": BOOLEAN,
})
