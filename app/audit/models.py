from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow

ACTIONS = ("Create", "Update", "Delete", "Reorder", "Merge", "Import", "Revert")


class AuditEvent(TenantMixin, db.Model):
    """One write, by whom and when, with what changed (DTO field names; secrets only as set/changed)."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(100))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    entity_label: Mapped[str | None] = mapped_column(String(300))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    # What a revert needs and the answer does not show: the deleted record with its children, a
    # list's order. Never a secret.
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    revertible: Mapped[bool] = mapped_column(Boolean, default=False)
    reverted_by_event_id: Mapped[int | None] = mapped_column(Integer)  # the Revert event that undid this one
    # The ordered list an event is about (a link's context_key; a reorder has no entityId): the
    # History of one execution-order list.
    context_key: Mapped[str | None] = mapped_column(String(200))

    # A list page is one tenant's events newest first, ORDER BY occurred_at DESC NULLS LAST, id DESC
    # (app/pagination.py): unfiltered, or by record, entity type, actor or action. Each has an index
    # ending in that order, so page 1 reads ten entries and its COUNT only the matching ones.
    # PostgreSQL builds them in that order (it cannot read an ascending index as DESC NULLS LAST);
    # SQLite has no NULLS LAST in CREATE INDEX and gets that order by reading an ascending index
    # backwards, so the migrations build them ascending there (2026_12_01_2000_8e347c119062).
    __table_args__ = (
        Index("ix_audit_event_customer_time", "customer_id", occurred_at.column.desc().nulls_last(), id.column.desc()),
        Index("ix_audit_event_customer_entity", "customer_id", "entity_type", "entity_id",
              occurred_at.column.desc().nulls_last(), id.column.desc()),
        Index("ix_audit_event_customer_entity_type", "customer_id", "entity_type",
              occurred_at.column.desc().nulls_last(), id.column.desc()),
        Index("ix_audit_event_customer_actor", "customer_id", "actor_type", "actor_id",
              occurred_at.column.desc().nulls_last(), id.column.desc()),
        Index("ix_audit_event_customer_action", "customer_id", "action",
              occurred_at.column.desc().nulls_last(), id.column.desc()),
        Index("ix_audit_event_customer_context", "customer_id", "entity_type", "context_key",
              occurred_at.column.desc().nulls_last(), id.column.desc()),
        # The retention prune: every tenant's events older than the cut-off, oldest first.
        Index("ix_audit_event_occurred_at", "occurred_at", "id"),
    )
