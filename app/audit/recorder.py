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

REVERTIBLE_ACTIONS = ("Update", "Delete", "Reorder")


@dataclass(frozen=True)
class EntityKind:
    entity_type: str
    label: Callable[[object], str | None]
    snapshot: Callable[[object], dict]
    secrets: tuple[str, ...] = ()  # snapshot keys holding a secret (in memory only)


_KINDS: dict[type, EntityKind] = {}


def register(model: type, kind: EntityKind) -> EntityKind:
    _KINDS[model] = kind
    return kind


def kind_of(record) -> EntityKind:
    return _KINDS[type(record)]


def _plain(value):
    if isinstance(value, (datetime, date)):
        return iso(value) if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
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
        changes[name] = _secret_change(old, new) if name in secrets else {"from": _plain(old), "to": _plain(new)}
    return changes


def record_event(customer_id: int, actor: Actor, action: str, entity_type: str, entity_id: int | None,
                 label: str | None, changes: dict, snapshot: dict | None = None) -> AuditEvent:
    event = AuditEvent(
        customer_id=customer_id, actor_type=actor.type, actor_id=None if actor.id is None else str(actor.id),
        actor_name=actor.name, action=action, entity_type=entity_type, entity_id=entity_id,
        entity_label=(label or "")[:300] or None, changes=changes, snapshot=snapshot,
        revertible=action in REVERTIBLE_ACTIONS,
    )
    db.session.add(event)
    db.session.flush()
    return event


@contextmanager
def audited(customer_id: int, actor: Actor, action: str, record):
    """One event for what the block does to `record` (Create, Update or Delete). An Update that
    changes nothing leaves no event."""
    kind = kind_of(record)
    before = {} if action == "Create" else kind.snapshot(record)
    ident, label = record.id, (kind.label(record) if action == "Delete" else None)
    yield
    after = {} if action == "Delete" else kind.snapshot(record)
    changes = diff(before, after, kind.secrets)
    if action == "Update" and not changes:
        return
    kept = {k: _plain(v) for k, v in before.items() if k not in kind.secrets} if action == "Delete" else None
    record_event(customer_id, actor, action, kind.entity_type, ident if ident is not None else record.id,
                 label if label is not None else kind.label(record), changes, kept)
