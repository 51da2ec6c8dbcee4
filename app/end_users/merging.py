"""Merge two end users into one, and undo it.

The target survives; the source's identifiers move to it (a value both hold collapses into the
target's row, the target's primary stays primary), the profile keeps per field the side chosen
(by default the target's value where it has one), and when both had a customerRef the one that
loses becomes an identifier of type CustomerRef, so lookups and ticket history still find it.
Tickets link to people through identifiers and customerRef, so the history follows by itself.
The source row is deleted and an EndUserMerge tombstone answers for its id (410 Gone).

One Merge audit event records it; its snapshot holds both people as they were and the target as
the merge left it, so a revert puts both back exactly, or refuses (409) when the target changed since.
"""
from contextlib import contextmanager

from sqlalchemy import delete, select

from app.actors import Actor
from app.audit.models import AuditEvent
from app.audit.recorder import audited, diff, plain, record_event
from app.domain_errors import Conflict, Gone, Invalid, NotFound
from app.end_users.merge_models import EndUserMerge
from app.end_users.models import EndUser, EndUserUID, lookup_key
from app.end_users.operations import _rebuild, _restore, _settle_primary, _snapshot, apply_profile
from app.end_users.serializers import PROFILE_FIELDS, profile
from app.extensions import db
from app.tenancy import ensure_owned, get_scoped

CUSTOMER_REF_TYPE = "CustomerRef"


# ---- Tombstones ---------------------------------------------------------------------------

MAX_HOPS = 20


def merged_into(customer_id: int, end_user_id) -> int | None:
    """The end user this one lives on in (following merges of merges), or None."""
    try:
        ident = int(end_user_id)
    except (TypeError, ValueError):
        return None
    found = None
    for _ in range(MAX_HOPS):
        ident = db.session.scalar(select(EndUserMerge.target_id).where(
            EndUserMerge.customer_id == customer_id, EndUserMerge.source_id == ident))
        if ident is None:
            break
        found = ident
    return found


@contextmanager
def gone_if_merged(customer_id: int, end_user_id):
    """An end user that is not found because it was merged is 410 Gone, naming the survivor."""
    try:
        yield
    except NotFound:
        target = merged_into(customer_id, end_user_id)
        if target is None:
            raise
        raise Gone(f"This end user was merged into end user {target}.", mergedInto=target) from None


# ---- Preview --------------------------------------------------------------------------------

def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def field_comparison(target: EndUser, source: EndUser) -> list[dict]:
    """Each profile field: both values, the default winner and whether they conflict."""
    mine, theirs = profile(target), profile(source)
    return [{
        "field": name,
        "targetValue": mine[name],
        "sourceValue": theirs[name],
        "winner": "source" if _empty(mine[name]) and not _empty(theirs[name]) else "target",
        "conflict": not _empty(mine[name]) and not _empty(theirs[name]) and mine[name] != theirs[name],
    } for name in PROFILE_FIELDS]


def merge_pair(customer_id: int, target_id, source_id, lock: bool = False) -> tuple[EndUser, EndUser]:
    """Both end users of a merge, or NotFound / Gone / Invalid (the same person twice). `lock`: for
    the merge itself, under their row locks."""
    with gone_if_merged(customer_id, target_id):
        target = _get(customer_id, target_id, lock)
    with gone_if_merged(customer_id, source_id):
        source = _get(customer_id, source_id, lock)
    if source.id == target.id:
        raise Invalid.field("sourceEndUserID", "An end user cannot be merged into itself.")
    return target, source


def _get(customer_id, ident, lock: bool) -> EndUser:
    found = get_scoped(EndUser, customer_id, ident, lock=lock)
    if found is None:
        raise NotFound("End user not found.")
    return found


# ---- Merge ------------------------------------------------------------------------------------

def merge_end_users(customer_id: int, actor: Actor, target: EndUser, source: EndUser,
                    choices: dict[str, str] | None = None) -> AuditEvent:
    ensure_owned(target, customer_id)
    ensure_owned(source, customer_id)
    choices = choices or {}
    unknown = [name for name in choices if name not in PROFILE_FIELDS]
    if unknown:
        raise Invalid({f"fieldChoices.{name}": ["Unknown field."] for name in unknown})
    target_before, source_before = plain(_snapshot(target)), plain(_snapshot(source))
    values = {row["field"]: row["sourceValue"] if choices.get(row["field"], row["winner"]) == "source"
              else row["targetValue"] for row in field_comparison(target, source)}
    moving = [(u.uid_type, u.uid) for u in sorted(source.uids, key=lambda u: u.id)]
    refs = {target.customer_ref, source.customer_ref} - {None, ""}
    moving += [(CUSTOMER_REF_TYPE, ref) for ref in sorted(refs) if ref != values["customerRef"] and len(refs) > 1]
    source_id, label = source.id, source.name or f"End user {source.id}"

    db.session.delete(source)
    db.session.flush()  # its identifiers are free now
    apply_profile(target, values, creating=False)
    _take_identifiers(target, moving)
    after = plain(_snapshot(target))
    tombstone = EndUserMerge(customer_id=customer_id, source_id=source_id, target_id=target.id)
    db.session.add(tombstone)
    changes = {**diff(target_before, after), "mergedEndUserID": {"from": source_id, "to": None}}
    event = record_event(customer_id, actor, "Merge", "EndUser", target.id,
                         f"{label} into {target.name or f'end user {target.id}'}", changes,
                         snapshot={"sourceID": source_id, "source": source_before, "target": target_before,
                                   "targetAfter": after})
    tombstone.audit_event_id = event.id
    db.session.flush()
    return event


def _take_identifiers(target: EndUser, moving: list[tuple[str, str]]) -> None:
    held = {(u.uid_type, u.uid_lookup) for u in target.uids}
    for uid_type, value in moving:
        key = (uid_type, lookup_key(value))
        if key in held or _held_elsewhere(target.customer_id, *key):
            continue
        held.add(key)
        target.uids.append(EndUserUID(customer_id=target.customer_id, end_user_id=target.id,
                                      uid_type=uid_type, uid=value, is_primary=False))
    db.session.flush()
    _settle_primary(target, None)


def _held_elsewhere(customer_id: int, uid_type: str, lookup: str) -> bool:
    """Only a CustomerRef identifier made from a customerRef can be held by a third person."""
    return db.session.scalar(select(EndUserUID.id).where(
        EndUserUID.customer_id == customer_id, EndUserUID.uid_type == uid_type,
        EndUserUID.uid_lookup == lookup)) is not None


# ---- Revert ----------------------------------------------------------------------------------

def revert_merge(customer_id: int, actor: Actor, event: AuditEvent) -> AuditEvent:
    """Both people back as they were before the merge, the source under its old id when free."""
    snap = event.snapshot or {}
    target = get_scoped(EndUser, customer_id, event.entity_id, lock=True)
    if target is None:
        raise Conflict(f"{event.entity_label or 'The end user'}: the surviving end user was deleted since; "
                       "revert its deletion first.")
    now = plain(_snapshot(target))
    changed = {name: {"expected": value, "now": now.get(name)}
               for name, value in snap["targetAfter"].items() if now.get(name) != value}
    if changed:
        raise Conflict(f"The merged end user changed again since: {', '.join(changed)}. Nothing was reverted.",
                       changedSince=changed)
    source_id = snap["sourceID"]
    with audited(customer_id, actor, "Revert", target) as outcome:
        _restore(target, snap["target"])
        # its old id, unless SQLite has given that id to a newer end user meanwhile
        free = get_scoped(EndUser, customer_id, source_id) is None
        source = _rebuild(customer_id, source_id if free else None, snap["source"])
        db.session.execute(delete(EndUserMerge).where(
            EndUserMerge.customer_id == customer_id, EndUserMerge.source_id == source_id))
        db.session.flush()
    outcome.event.changes = {**outcome.event.changes, "restoredEndUserID": {"from": None, "to": source.id}}
    db.session.flush()
    return outcome.event
