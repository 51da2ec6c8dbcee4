from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.openapi import BOOLEAN, INTEGER, STRING, TIMESTAMP, dto, nullable
from app.tenancy import TenantMixin
from app.tenancy_fk import tenant_key

CHANNEL_TYPES = ("Email", "Chat", "Phone", "WhatsApp")


class Channel(TenantMixin, db.Model):
    """Where conversations arrive. A Phone channel has a secret for phone-login, stored hashed."""

    __tablename__ = "channel"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("customer_id", "name"),
        CheckConstraint(
            "channel_type IN ('Email', 'Chat', 'Phone', 'WhatsApp')", name="channel_type_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    channel_type: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    secret_hash: Mapped[str | None] = mapped_column(String(255))
    secret_rotated_at: Mapped[datetime | None] = mapped_column()

    def to_dto(self) -> dict:
        from app.timeutil import iso

        return {
            "channelID": self.id,
            "customerID": self.customer_id,
            "name": self.name,
            "channelType": self.channel_type,
            "isActive": self.is_active,
            "hasSecret": self.secret_hash is not None,
            "secretRotatedAt": iso(self.secret_rotated_at),
        }


# The response schema of Channel.to_dto, for the OpenAPI document.
CHANNEL_SCHEMA = dto("ChannelReadDTO", {
    "channelID": INTEGER, "customerID": INTEGER, "name": STRING,
    "channelType": {"type": "string", "enum": list(CHANNEL_TYPES)}, "isActive": BOOLEAN,
    "hasSecret": BOOLEAN, "secretRotatedAt": nullable(TIMESTAMP),
})
