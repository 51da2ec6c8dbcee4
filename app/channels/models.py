from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.dtos import Dto, iso_of
from app.extensions import db
from app.openapi import BOOLEAN, INTEGER, STRING, TIMESTAMP, nullable
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
        return CHANNEL.dump(self)


CHANNEL = Dto("ChannelReadDTO", {
    "channelID": (INTEGER, "id"),
    "customerID": (INTEGER, "customer_id"),
    "name": (STRING, "name"),
    "channelType": ({"type": "string", "enum": list(CHANNEL_TYPES)}, "channel_type"),
    "isActive": (BOOLEAN, "is_active"),
    "hasSecret": (BOOLEAN, lambda channel: channel.secret_hash is not None),
    "secretRotatedAt": (nullable(TIMESTAMP), iso_of("secret_rotated_at")),
})
CHANNEL_SCHEMA = CHANNEL.schema
