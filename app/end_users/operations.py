"""Writes for end users. These only flush; the request handler commits once.

Identifier values arrive already normalised by the forms (identifiers.py). An identifier belongs
to at most one end user per tenant and type: saving one that another end user holds raises
IdentifierConflict, which the API answers with 409 and the dashboard shows on the row.
"""
from dataclasses import dataclass

from sqlalchemy import select

from app.actors import Actor
from app.audit.recorder import EntityKind, audited, register, restore_attributes
from app.domain_errors import Conflict, Invalid
from app.end_users.models import EndUser, EndUserUID, lookup_key
from app.end_users.serializers import PROFILE_FIELDS, profile
from app.extensions import db
from app.tenancy import ensure_owned

DEFAULT_CUSTOMER_TYPE = "Lead"


@dataclass
class UIDConflict:
    field: str  # the DTO path of the offending value, e.g. "uids[1].uid" or "uid"
    uid_type: str
    uid: str
    owner: EndUser

    @property
    def message(self) -> str:
        who = self.owner.name or f"end user {self.owner.id}"
        return f"The {self.uid_type} identifier {self.uid} already belongs to {who} (endUserID {self.owner.id})."


class IdentifierConflict(Conflict):
    """409: identifiers that other end users hold; `conflicts` names each one and its owner."""

    def __init__(self, conflicts: list[UIDConflict]):
        title = conflicts[0].message if len(conflicts) == 1 else (
            "Some identifiers already belong to other end users: " + " ".join(c.message for c in conflicts))
        super().__init__(
            title, {c.field: [c.message] for c in conflicts},
            conflicts=[{"field": c.field, "uidType": c.uid_type, "uid": c.uid, "endUserID": c.owner.id,
                        "name": c.owner.name} for c in conflicts],
        )
        self.conflicts = conflicts


# ---- Profile ----------------------------------------------------------------------------

def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def apply_profile(end_user: EndUser, data: dict, creating: bool) -> None:
    for dto, attr in PROFILE_FIELDS.items():
        if dto not in data:
            continue
        value = _clean(data[dto])
        if dto == "customerType" and value is None:
            value = DEFAULT_CUSTOMER_TYPE if creating else end_user.customer_type
        elif dto == "country" and value:
            value = value.upper()
        setattr(end_user, attr, value)


def _snapshot(end_user: EndUser) -> dict:
    """The profile and the identifiers (oldest first; not yet flushed ones last, in the order they
    were added), as an audit event compares them."""
    return {**profile(end_user), "uids": [
        {"uidType": u.uid_type, "uid": u.uid, "isPrimary": u.is_primary}
        for u in sorted(end_user.uids, key=lambda u: (u.id is None, u.id or 0))]}


def _restore(end_user: EndUser, values: dict) -> None:
    """Profile values back on the end user, and its identifiers exactly as listed (IdentifierConflict
    when one now belongs to someone else)."""
    restore_attributes(PROFILE_FIELDS)(end_user, values)
    if "uids" in values:
        save_uids(end_user, values["uids"], remove_missing=True)


def _rebuild(customer_id: int, entity_id: int, values: dict) -> EndUser:
    end_user = EndUser(id=entity_id, customer_id=customer_id)
    restore_attributes(PROFILE_FIELDS)(end_user, values)
    db.session.add(end_user)
    db.session.flush()
    save_uids(end_user, values.get("uids") or [])
    return end_user


register(EndUser, EntityKind("EndUser", lambda u: u.name or f"End user {u.id}", _snapshot, restore=_restore,
                             build=_rebuild))


def create_end_user(customer_id: int, actor: Actor, data: dict) -> EndUser:
    end_user = EndUser(customer_id=customer_id, customer_type=DEFAULT_CUSTOMER_TYPE)
    with audited(customer_id, actor, "Create", end_user):
        apply_profile(end_user, data, creating=True)
        db.session.add(end_user)
        db.session.flush()
        save_uids(end_user, data.get("uids") or [])
    return end_user


def update_end_user(customer_id: int, actor: Actor, end_user: EndUser, data: dict,
                    remove_missing: bool = False) -> None:
    """Profile fields in `data` replace the stored ones; UID rows are added, updated or removed
    (markAsDeleted). With `remove_missing` (the dashboard form), UIDs not listed are removed too."""
    with audited(customer_id, actor, "Update", ensure_owned(end_user, customer_id)):
        apply_profile(end_user, data, creating=False)
        save_uids(end_user, data.get("uids") or [], remove_missing=remove_missing)
        db.session.flush()


def delete_end_user(customer_id: int, actor: Actor, end_user: EndUser) -> int:
    """Delete the end user with its identifiers; tickets stay. Returns how many identifiers went."""
    count = len(ensure_owned(end_user, customer_id).uids)
    with audited(customer_id, actor, "Delete", end_user):
        db.session.delete(end_user)
        db.session.flush()
    return count


# ---- Identifiers ------------------------------------------------------------------------

def _holder(customer_id: int, uid_type: str, value: str) -> EndUserUID | None:
    return db.session.scalars(select(EndUserUID).where(
        EndUserUID.customer_id == customer_id,
        EndUserUID.uid_type == uid_type,
        EndUserUID.uid_lookup == lookup_key(value),
    )).one_or_none()


@dataclass
class _Plan:
    index: int
    target: EndUserUID | None
    uid_type: str
    uid: str
    primary: bool
    delete: bool


def _plan(end_user: EndUser, rows: list[dict]) -> list[_Plan]:
    mine = {u.id: u for u in end_user.uids}
    by_value = {(u.uid_type, u.uid_lookup): u for u in end_user.uids}
    plans, errors = [], {}
    for index, row in enumerate(rows):
        ident = row.get("endUserUIDID")
        key = (row["uidType"], lookup_key(row["uid"]))
        if ident is not None and ident not in mine:
            errors[f"uids[{index}].endUserUIDID"] = ["This end user has no identifier with this id."]
            continue
        target = mine.get(ident) if ident is not None else by_value.get(key)
        plans.append(_Plan(index, target, row["uidType"], row["uid"], bool(row.get("isPrimary")),
                           bool(row.get("markAsDeleted"))))
    if errors:
        raise Invalid(errors)
    return plans


def _check_conflicts(end_user: EndUser, plans: list[_Plan], leaving: set[int]) -> None:
    conflicts, errors = [], {}
    for plan in plans:
        if plan.delete:
            continue
        holder = _holder(end_user.customer_id, plan.uid_type, plan.uid)
        if holder is None or holder is plan.target or holder.id in leaving:
            continue
        field = f"uids[{plan.index}].uid"
        if holder.end_user_id != end_user.id:
            conflicts.append(UIDConflict(field, plan.uid_type, plan.uid, holder.end_user))
        else:
            errors[field] = [f"This end user already has this identifier (endUserUIDID {holder.id})."]
    if errors:
        raise Invalid(errors)
    if conflicts:
        raise IdentifierConflict(conflicts)


def save_uids(end_user: EndUser, rows: list[dict], remove_missing: bool = False) -> None:
    plans = _plan(end_user, rows)
    touched = {p.target.id for p in plans if p.target is not None}
    # A row removed and given again in the same request (another spelling) is kept and updated in place.
    kept = {p.target.id for p in plans if not p.delete and p.target is not None}
    leaving = {p.target.id for p in plans if p.delete and p.target is not None} - kept
    if remove_missing:
        leaving |= {u.id for u in end_user.uids if u.id not in touched}
    _check_conflicts(end_user, plans, leaving)

    for uid in [u for u in end_user.uids if u.id in leaving]:
        end_user.uids.remove(uid)
    db.session.flush()  # deletes first: a value may move from a removed row to another one
    primary = None
    for plan in plans:
        if plan.delete:
            continue
        uid = plan.target
        if uid is None:
            uid = EndUserUID(customer_id=end_user.customer_id, end_user_id=end_user.id)
            end_user.uids.append(uid)
        uid.uid_type, uid.uid, uid.is_primary = plan.uid_type, plan.uid, plan.primary
        if plan.primary:
            primary = uid
    db.session.flush()
    _settle_primary(end_user, primary)


def _settle_primary(end_user: EndUser, chosen: EndUserUID | None) -> None:
    """At most one primary; when none is left, the oldest identifier becomes primary."""
    uids = sorted(end_user.uids, key=lambda u: u.id)
    if chosen is None:
        chosen = next((u for u in uids if u.is_primary), uids[0] if uids else None)
    for uid in uids:
        uid.is_primary = uid is chosen
    db.session.flush()


def assign_uid(customer_id: int, actor: Actor, end_user: EndUser, uid_type: str, value: str,
               is_primary: bool) -> tuple[EndUserUID, bool]:
    """Link an identifier to the end user: (uid, True) when new, (uid, False) when already linked."""
    ensure_owned(end_user, customer_id)
    holder = _holder(end_user.customer_id, uid_type, value)
    if holder is not None and holder.end_user_id != end_user.id:
        raise IdentifierConflict([UIDConflict("uid", uid_type, value, holder.end_user)])
    created = holder is None
    with audited(customer_id, actor, "Update", end_user):
        if created:
            holder = EndUserUID(customer_id=end_user.customer_id, end_user_id=end_user.id,
                                uid_type=uid_type, uid=value, is_primary=False)
            end_user.uids.append(holder)
            db.session.flush()
        _settle_primary(end_user, holder if is_primary else None)
    return holder, created
