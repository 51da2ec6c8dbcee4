"""Writes on the audit trail itself: the retention prune (`flask --app wsgi prune-audit`).

The retention is one setting for every tenant (AUDIT_RETENTION_DAYS), so the prune takes no
customer id; like every operation it takes the actor explicitly and only flushes. It deletes one
batch: the command commits each batch as its own unit of work, so a long prune never holds
SQLite's write lock for more than one batch, and a request that writes waits for one batch at most.

Deleting events is not itself recorded as an event (see README, "The audit trail"): the command
prints and logs what it deleted.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from app.actors import Actor
from app.audit.models import AuditEvent
from app.extensions import db
from app.timeutil import iso, utcnow

DEFAULT_BATCH_SIZE = 5000


def retention_cutoff(days: int) -> datetime:
    """Events that occurred before this moment (naive UTC) are past a retention of `days`."""
    if days < 1:
        raise ValueError("a retention is at least 1 day")
    return utcnow() - timedelta(days=days)


def _prunable(cutoff: datetime):
    return AuditEvent.occurred_at < cutoff


def count_prunable(cutoff: datetime) -> int:
    """How many events, of every tenant, occurred before `cutoff`."""
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(_prunable(cutoff)))


def prune_audit_batch(actor: Actor, cutoff: datetime, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Delete up to `batch_size` events of any tenant that occurred before `cutoff`, oldest first
    (one DELETE, found through ix_audit_event_occurred_at); return how many were deleted."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    db.session.flush()
    oldest = (select(AuditEvent.id).where(_prunable(cutoff))
              .order_by(AuditEvent.occurred_at, AuditEvent.id).limit(batch_size))
    result = db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(oldest.scalar_subquery())),
                                execution_options={"synchronize_session": False})
    deleted = result.rowcount
    if deleted:
        current_app.logger.info("Audit prune by %s %s: %d events before %s deleted", actor.type, actor.id, deleted,
                                iso(cutoff))
    return deleted
