"""What merging and duplicate review leave behind: the tombstone of a merged end user, and the
pairs someone said are not the same person."""
from datetime import datetime

from sqlalchemy import Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.tenancy import TenantMixin
from app.timeutil import utcnow


class EndUserMerge(TenantMixin, db.Model):
    """The end user `source_id` was merged into `target_id` (and deleted): its URLs answer 410 Gone
    naming the survivor. Removed again when the merge is reverted. Deliberately no foreign keys:
    the source row no longer exists, and a later deletion of the target keeps the history."""

    __tablename__ = "end_user_merge"
    __table_args__ = (UniqueConstraint("customer_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer)
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    audit_event_id: Mapped[int | None] = mapped_column(Integer)
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)


class DismissedDuplicate(TenantMixin, db.Model):
    """A suggested pair someone reviewed and dismissed: never suggested again (low_id < high_id)."""

    __tablename__ = "end_user_dismissed_duplicate"
    __table_args__ = (UniqueConstraint("customer_id", "low_id", "high_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(Integer)
    high_id: Mapped[int] = mapped_column(Integer)
    dismissed_at: Mapped[datetime] = mapped_column(default=utcnow)
