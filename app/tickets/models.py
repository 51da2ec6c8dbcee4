from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.end_users.models import lookup_key
from app.extensions import db
from app.tenancy import TenantMixin
from app.tenancy_fk import same_tenant_fk, tenant_key
from app.timeutil import utcnow

TICKET_STATUSES = ("Open", "Pending", "Escalated", "Closed")
SENDER_SIDES = ("EndUser", "Representative", "AI")

ticket_topic = Table(
    "ticket_topic",
    db.metadata,
    Column("customer_id", Integer, nullable=False),
    Column("ticket_id", Integer, primary_key=True),
    Column("topic_id", Integer, primary_key=True),
    ForeignKeyConstraint(
        ["customer_id", "ticket_id"], ["ticket.customer_id", "ticket.id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["customer_id", "topic_id"], ["topic.customer_id", "topic.id"], ondelete="CASCADE"
    ),
    Index("ix_ticket_topic_topic", "topic_id"),
)


class Ticket(TenantMixin, db.Model):
    """A conversation with an end user, matched to end users by uid or customerRef."""

    __tablename__ = "ticket"
    __table_args__ = (
        tenant_key(),
        same_tenant_fk("channel_id", "channel"),
        CheckConstraint(
            "status IN ('Open', 'Pending', 'Escalated', 'Closed')", name="status_known"
        ),
        # ending in last_message_date: an end user's latest interaction is one index lookup per key
        Index("ix_ticket_customer_uid", "customer_id", "uid_lookup", "last_message_date"),
        Index("ix_ticket_customer_ref", "customer_id", "customer_ref", "last_message_date"),
        Index("ix_ticket_customer_last_message", "customer_id", "last_message_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(Integer)
    uid: Mapped[str | None] = mapped_column(String(254))
    uid_lookup: Mapped[str | None] = mapped_column(String(254))
    customer_ref: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="Open")
    customer_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("representative.id", ondelete="SET NULL"), index=True
    )
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_spam: Mapped[bool] = mapped_column(Boolean, default=False)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_date: Mapped[datetime | None] = mapped_column()
    closed_date: Mapped[datetime | None] = mapped_column()

    channel = relationship("Channel", viewonly=True)
    topics = relationship("Topic", secondary=ticket_topic, viewonly=True, order_by="Topic.name")
    messages: Mapped[list["TicketMessage"]] = relationship(
        back_populates="ticket",
        order_by="TicketMessage.created_date",
        cascade="all, delete-orphan",
        passive_deletes=True,
        primaryjoin="Ticket.id == foreign(TicketMessage.ticket_id)",
    )

    @validates("uid")
    def _keep_lookup(self, _key, value):
        self.uid_lookup = lookup_key(value)
        return value


class TicketMessage(TenantMixin, db.Model):
    """One message in a ticket, from the end user, a representative or the AI."""

    __tablename__ = "ticket_message"
    __table_args__ = (
        same_tenant_fk("ticket_id", "ticket", ondelete="CASCADE"),
        CheckConstraint("sender IN ('EndUser', 'Representative', 'AI')", name="sender_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    sender: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
    is_escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    ai_feedback_comment: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(
        back_populates="messages",
        primaryjoin="Ticket.id == foreign(TicketMessage.ticket_id)",
    )
