"""Reads of the audit trail, one rule for both faces: GET /api/AuditEvents and the Activity pages
(list, CSV export, the History panels) filter with `filtered_events` and order newest first.

Every statement starts from `scoped(AuditEvent, customer_id)`: another tenant's events are never
read, whatever ids a caller names.
"""
from collections import defaultdict

from sqlalchemy import and_, false, func, or_, select

from app.actions.models import Action, HookAction, TopicAction
from app.audit.forms import AuditEventQuery
from app.audit.models import AuditEvent
from app.auth.models import Representative
from app.channels.models import Channel
from app.end_users.models import EndUser
from app.extensions import db
from app.tenancy import in_id_range, scoped
from app.topics.models import Topic

# Records with a page of their own, by entityType (whether one still exists decides its link).
RECORD_MODELS = {"EndUser": EndUser, "Action": Action, "Topic": Topic, "Channel": Channel,
                 "TopicAction": TopicAction, "HookAction": HookAction}


def filtered_events(customer_id: int, query: AuditEventQuery):
    stmt = scoped(AuditEvent, customer_id)
    for name, column in (("entityType", AuditEvent.entity_type), ("actorType", AuditEvent.actor_type),
                         ("actorId", AuditEvent.actor_id), ("action", AuditEvent.action)):
        if query[name].data:
            stmt = stmt.where(column == query[name].data.strip())
    if query.entityId.data is not None:
        ident = query.entityId.data
        stmt = stmt.where(AuditEvent.entity_id == ident if in_id_range(ident) else false())
    if query["from"].data is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= query["from"].data)
    if query.to.data is not None:
        stmt = stmt.where(AuditEvent.occurred_at <= query.to.data)
    return stmt


def newest_first(stmt):
    """The order of the audit indexes (and of app/pagination.py's descending pages)."""
    return stmt.order_by(AuditEvent.occurred_at.desc().nulls_last(), AuditEvent.id.desc())


def each_event(stmt, batch: int = 500):
    """Every event of `stmt`, newest first, read `batch` rows at a time (keyset paging, so a long
    export holds neither a cursor nor the whole trail in memory)."""
    last = None
    while True:
        page = stmt
        if last is not None:
            page = page.where(or_(AuditEvent.occurred_at < last.occurred_at,
                                  and_(AuditEvent.occurred_at == last.occurred_at, AuditEvent.id < last.id)))
        rows = db.session.scalars(newest_first(page).limit(batch)).all()
        for event in rows:
            yield event
            db.session.expunge(event)
        if len(rows) < batch:
            return
        last = rows[-1]


def record_history(customer_id: int, entity_type: str, entity_id: int, limit: int = 20) -> tuple[list, int]:
    """The latest `limit` events about one record of the tenant, and how many there are in all."""
    if not in_id_range(entity_id):
        return [], 0
    return _latest(scoped(AuditEvent, customer_id, AuditEvent.entity_type == entity_type,
                          AuditEvent.entity_id == entity_id), limit)


def list_history(customer_id: int, entity_type: str, context_key: str, limit: int = 20) -> tuple[list, int]:
    """The latest events about one execution-order list (its reorders and its links' changes)."""
    return _latest(scoped(AuditEvent, customer_id, AuditEvent.entity_type == entity_type,
                          AuditEvent.context_key == context_key), limit)


def link_names(customer_id: int, entity_type: str, context_key: str) -> dict[int, str]:
    """{link id: its action's name} for the links of one list as it is now."""
    model = RECORD_MODELS[entity_type]
    return dict(db.session.execute(
        select(model.id, Action.name).join(Action, Action.id == model.action_id)
        .where(model.customer_id == customer_id, model.context_key == context_key)).all())


def _latest(stmt, limit: int) -> tuple[list, int]:
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    return (db.session.scalars(newest_first(stmt).limit(limit)).all() if total else []), total


def existing_records(customer_id: int, events) -> set[tuple[str, int]]:
    """(entityType, entityId) of the events' records that still exist in the tenant."""
    wanted = defaultdict(set)
    for event in events:
        if event.entity_type in RECORD_MODELS and event.entity_id is not None:
            wanted[event.entity_type].add(event.entity_id)
    found = set()
    for entity_type, ids in wanted.items():
        model = RECORD_MODELS[entity_type]
        found.update((entity_type, ident) for ident in db.session.scalars(
            select(model.id).where(model.customer_id == customer_id, model.id.in_(ids))))
    return found


def representatives(customer_id: int) -> list[Representative]:
    return list(db.session.scalars(scoped(Representative, customer_id).order_by(Representative.email)))


def latest_deletion(customer_id: int, entity_type: str, entity_id: int) -> int | None:
    """The id of the Delete event of this record, the latest one."""
    return db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.customer_id == customer_id, AuditEvent.entity_type == entity_type,
        AuditEvent.entity_id == entity_id, AuditEvent.action == "Delete").order_by(AuditEvent.id.desc()).limit(1))
