"""Audit events, written by the operations in the same transaction as their change.

Each audited model registers an EntityKind: its entityType, a label people recognise, and a
snapshot (its values under the DTO's camelCase names, children included). `audited(customer_id,
actor, action, record)` snapshots the record before and after the block and adds one event with
the difference. A secret never reaches an event: its change reads "set", "changed" or "cleared".
"""
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from app.actors import Actor
from app.audit.models import AuditEvent
from app.extensions import db
from app.timeutil import iso

REVERTIBLE_ACTIONS = ("Update", "Delete", "Reorder", "Merge")


@dataclass(frozen=True)
class EntityKind:
    """How one model is audited, and (for app/audit/revert.py) put back.

    `restore(record, values)` writes DTO-named values back onto a record (None: this kind is not
    revertible); `build(customer_id, entity_id, values)` makes a deleted record anew (None: it
    cannot come back).
    """

    entity_type: str
    label: Callable[[object], str | None]
    snapshot: Callable[[object], dict]
    secrets: tuple[str, ...] = ()  # snapshot keys holding a secret (in memory only)
    restore: Callable[[object, dict], None] | None = None
    build: Callable[[int, int, dict], object] | None = None
    context: Callable[[object], str | None] | None = None  # the ordered list a record belongs to


_KINDS: dict[type, EntityKind] = {}
_BY_TYPE: dict[str, tuple[type, EntityKind]] = {}


def register(model: type, kind: EntityKind) -> EntityKind:
    _KINDS[model] = kind
    _BY_TYPE[kind.entity_type] = (model, kind)
    return kind


def kind_of(record) -> EntityKind:
    return _KINDS[type(record)]


def kind_named(entity_type: str) -> tuple[type, EntityKind] | None:
    return _BY_TYPE.get(entity_type)


def rebuild(model: type, restore: Callable[[object, dict], None]) -> Callable[[int, int, dict], object]:
    """A `build` that makes the record anew under its old id and restores its values."""

    def build(customer_id: int, entity_id: int, values: dict):
        record = model(id=entity_id, customer_id=customer_id)
        restore(record, values)
        db.session.add(record)
        db.session.flush()
        return record

    return build


def restore_attributes(mapping: dict[str, str]) -> Callable[[object, dict], None]:
    """A `restore` that sets each DTO-named value on its model attribute (mapping: DTO -> attribute)."""

    def restore(record, values: dict) -> None:
        for name, value in values.items():
            if name in mapping:
                setattr(record, mapping[name], value)

    return restore


def plain(value):
    """A value as JSON stores it (timestamps in ISO 8601 with a Z)."""
    if isinstance(value, (datetime, date)):
        return iso(value) if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _secret_change(before, after) -> dict:
    if not before:
        return {"from": None, "to": "set"}
    return {"from": "set", "to": "cleared" if not after else "changed"}


def diff(before: dict, after: dict, secrets: tuple[str, ...] = ()) -> dict:
    """{"field": {"from": old, "to": new}} for every value that differs."""
    changes = {}
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        changes[name] = _secret_change(old, new) if name in secrets else {"from": plain(old), "to": plain(new)}
    return changes


def new_event(customer_id: int, actor: Actor, action: str, entity_type: str, entity_id: int | None,
              label: str | None, changes: dict, snapshot: dict | None = None, revertible: bool = True,
              context_key: str | None = None) -> AuditEvent:
    """The event, not yet added to the session."""
    return AuditEvent(
        customer_id=customer_id, actor_type=actor.type, actor_id=None if actor.id is None else str(actor.id),
        actor_name=actor.name, action=action, entity_type=entity_type, entity_id=entity_id,
        entity_label=(label or "")[:300] or None, changes=changes, snapshot=snapshot,
        revertible=revertible and action in REVERTIBLE_ACTIONS, context_key=context_key,
    )


def record_event(customer_id: int, actor: Actor, action: str, entity_type: str, entity_id: int | None,
                 label: str | None, changes: dict, snapshot: dict | None = None, revertible: bool = True,
                 context_key: str | None = None) -> AuditEvent:
    event = new_event(customer_id, actor, action, entity_type, entity_id, label, changes, snapshot, revertible,
                      context_key)
    db.session.add(event)
    db.session.flush()
    return event


def event_between(customer_id: int, actor: Actor, action: str, record, before: dict, after: dict,
                  entity_id: int | None = None, label: str | None = None,
                  context_key: str | None = None) -> AuditEvent | None:
    """The event `audited` records for `record` going from snapshot `before` to `after`, not yet
    added (None for an Update that changes nothing). For writes made in bulk, whose events are
    added together after one flush (an import batch)."""
    kind = kind_of(record)
    changes = diff(before, after, kind.secrets)
    if action == "Update" and not changes:
        return None
    kept = {k: plain(v) for k, v in before.items() if k not in kind.secrets} if action == "Delete" else None
    revertible = (kind.build if action == "Delete" else kind.restore) is not None and (
        action != "Update" or any(name not in kind.secrets for name in changes))
    return new_event(customer_id, actor, action, kind.entity_type, entity_id if entity_id is not None else record.id,
                     label if label is not None else kind.label(record), changes, kept, revertible,
                     context_key or (kind.context(record) if kind.context else None))


class Outcome:
    event: AuditEvent | None = None


@contextmanager
def audited(customer_id: int, actor: Actor, action: str, record):
    """One event for what the block does to `record` (Create, Update, Delete, or the Revert of one);
    `outcome.event` is the event. An Update that changes nothing leaves no event."""
    kind, outcome = kind_of(record), Outcome()
    before = {} if action == "Create" else kind.snapshot(record)
    ident, label = record.id, (kind.label(record) if action == "Delete" else None)
    context = kind.context(record) if kind.context else None
    yield outcome
    after = {} if action == "Delete" else kind.snapshot(record)
    event = event_between(customer_id, actor, action, record, before, after, ident, label, context)
    if event is not None:
        db.session.add(event)
        db.session.flush()
        outcome.event = event
