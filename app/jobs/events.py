"""Which audit events a block of writes left: a job links them to itself, so that its Undo
reverts exactly those (one event per record, each revertible on its own as well)."""
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.extensions import db

_KEY = "switchboard_collected_events"


@contextmanager
def collect_events():
    """`with collect_events() as ids:` -> ids of the AuditEvents flushed inside the block."""
    ids: list[int] = []
    stack = db.session.info.setdefault(_KEY, [])
    stack.append(ids)
    try:
        yield ids
    finally:
        stack.remove(ids)


@event.listens_for(Session, "after_flush")
def _collect(session, _context):
    stack = session.info.get(_KEY)
    if not stack:
        return
    for obj in session.new:
        if isinstance(obj, AuditEvent):
            for ids in stack:
                ids.append(obj.id)
