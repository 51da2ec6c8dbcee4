"""Undo a change: an audit event reverted, itself recorded as a Revert event.

- Update: the changed fields get their old values back, if nobody changed them again since.
- Delete: the record comes back under its old id with its children (an end user with its
  identifiers, an action with its custom fields, a link where its action and context still exist).
- Reorder: the list gets its earlier order back, if it is still in the order that event left.
- Merge: both end users as they were (app/end_users/merging.py), if the survivor is as the merge left it.
Whatever is in the way is a Conflict naming it, and nothing changes. Secrets are never stored, so
a reverted change leaves them as they are.
"""
from app.actions.models import HookAction, TopicAction
from app.actions.operations import record_order_change
from app.actions.ordering import apply_order, lock_context, member_ids
from app.actors import Actor
from app.audit.models import AuditEvent
from app.audit.recorder import audited, diff, kind_named, plain, record_event
from app.domain_errors import Conflict
from app.end_users.merging import revert_merge
from app.extensions import db
from app.tenancy import ensure_owned, get_scoped

LISTS = {"TopicAction": TopicAction, "HookAction": HookAction}


def revert_event(customer_id: int, actor: Actor, event: AuditEvent) -> AuditEvent:
    ensure_owned(event, customer_id)
    if event.reverted_by_event_id is not None:
        raise Conflict(f"This change was already reverted (audit event {event.reverted_by_event_id}).",
                       revertedBy=event.reverted_by_event_id)
    found = kind_named(event.entity_type)
    if not event.revertible or found is None:
        raise Conflict("This kind of change cannot be reverted.")
    model, kind = found
    if event.action == "Reorder":
        revert = _reorder(customer_id, actor, event)
    elif event.action == "Merge":
        revert = revert_merge(customer_id, actor, event)
    elif event.action == "Delete":
        revert = _undelete(customer_id, actor, event, model, kind)
    else:
        revert = _update(customer_id, actor, event, model, kind)
    event.reverted_by_event_id = revert.id
    return revert


def _load(model, customer_id: int, entity_id: int):
    if not hasattr(model, "customer_id"):  # the tenant itself (its settings)
        return db.session.get(model, entity_id) if entity_id == customer_id else None
    return get_scoped(model, customer_id, entity_id)


def _update(customer_id, actor, event, model, kind) -> AuditEvent:
    record = _load(model, customer_id, event.entity_id)
    if record is None:
        raise Conflict(f"{event.entity_label or event.entity_type} was deleted since; revert its deletion first.")
    fields = {name: change for name, change in event.changes.items() if name not in kind.secrets}
    now = {name: plain(value) for name, value in kind.snapshot(record).items()}
    changed_since = {name: {"expected": change["to"], "now": now.get(name)}
                     for name, change in fields.items() if now.get(name) != change["to"]}
    if changed_since:
        raise Conflict(f"{event.entity_label or event.entity_type} changed again since: "
                       f"{', '.join(changed_since)}. Nothing was reverted.", changedSince=changed_since)
    with audited(customer_id, actor, "Revert", record) as outcome:
        kind.restore(record, {name: change["from"] for name, change in fields.items()})
    return outcome.event


def _undelete(customer_id, actor, event, model, kind) -> AuditEvent:
    # Its old id, unless SQLite has given that id to a newer record meanwhile.
    free = _load(model, customer_id, event.entity_id) is None
    record = kind.build(customer_id, event.entity_id if free else None, event.snapshot or {})
    return record_event(customer_id, actor, "Revert", kind.entity_type, record.id, kind.label(record),
                        diff({}, kind.snapshot(record), kind.secrets))


def _reorder(customer_id, actor, event) -> AuditEvent:
    model = LISTS[event.entity_type]
    key, earlier, later = event.snapshot["contextKey"], event.snapshot["order"], event.changes["order"]["to"]
    lock_context(model, customer_id, key)
    current = member_ids(model, customer_id, key)
    if current != later:
        raise Conflict("This list was changed again since; nothing was reverted. currentOrder holds it as it is now.",
                       currentOrder=current)
    apply_order(model, customer_id, earlier)
    return record_order_change(customer_id, actor, "Revert", model, key, current, earlier)
