"""One batch of an import's rows (app/end_users/importing.py), written in bulk.

Every row is still validated by EndUserCreateForm (as validate_json does for a POST /api/EndUsers
body; jsonforms.ManyBodies processes one form instance anew for each row) and matched by
customerRef, then by identifier, exactly as row by row. What changes is how the database is
asked: one query loads every person the batch's customerRefs and identifiers name (with their
identifiers); the rows are matched and applied in memory in file order (a later row of the same
file finds the person an earlier one created or changed); then one flush. New people and their
identifiers go out as two multi-row INSERTs with ids reserved first (_insert), changed people as
grouped UPDATEs. The search text is composed as the before_flush hook composes it; the FTS table
(SQLite) and lastInteractionDate follow by the database triggers, as for every write. The audit
events are the ones the row-by-row operations leave (a Create per new person, an Update per
changed one, by the Job actor), added in the same flush.

A refused row leaves nothing: its changes are computed on the person and put back when the row
fails. Should the flush still hit a constraint (another writer took an identifier meanwhile),
the batch goes back to its savepoint and runs row by row through the operations.
"""
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, text, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit.models import AuditEvent
from app.audit.recorder import event_between, kind_of, restore_attributes
from app.domain_errors import Conflict, Invalid
from app.end_users.forms import EndUserCreateForm
from app.end_users.models import EndUser, EndUserUID, lookup_key
from app.end_users.operations import DEFAULT_CUSTOMER_TYPE, IdentifierConflict, UIDConflict, apply_profile
from app.end_users.search_text import compose
from app.end_users.serializers import PROFILE_FIELDS
from app.extensions import db
from app.jsonforms import ManyBodies

_restore_profile = restore_attributes(PROFILE_FIELDS)


@dataclass
class Valid:
    """A row that passed the form: its line, the cells it filled (DTO names) and the form's data."""
    line: int
    body: dict
    uid_columns: list[str]
    data: dict


@dataclass
class Outcome:
    outcome: str | None = None  # created / updated / unchanged, None when refused
    error: Invalid | Conflict | None = None


@dataclass
class People:
    """The people a batch can match, loaded once, and those the batch creates as it goes."""
    customer_id: int
    by_ref: dict = field(default_factory=dict)  # customerRef -> the oldest person holding it
    by_uid: dict = field(default_factory=dict)  # (uidType, uid_lookup) -> its holder

    @classmethod
    def load(cls, customer_id: int, rows: list[Valid]) -> "People":
        refs = {(r.data.get("customerRef") or "").strip() for r in rows} - {""}
        lookups = {lookup_key(u["uid"]) for r in rows for u in r.data.get("uids") or []}
        people = cls(customer_id)
        if not refs and not lookups:
            return people
        ids = union(
            select(EndUser.id).where(EndUser.customer_id == customer_id, EndUser.customer_ref.in_(refs)),
            select(EndUserUID.end_user_id).where(EndUserUID.customer_id == customer_id,
                                                 EndUserUID.uid_lookup.in_(lookups)))
        found = db.session.scalars(select(EndUser).where(EndUser.customer_id == customer_id, EndUser.id.in_(ids))
                                   .options(selectinload(EndUser.uids)).order_by(EndUser.id))
        for person in found:
            people.add(person)
        return people

    def add(self, person: EndUser) -> None:
        if person.customer_ref:
            self.by_ref.setdefault(person.customer_ref, person)
        for uid in person.uids:
            self.by_uid[(uid.uid_type, uid.uid_lookup)] = person

    def find(self, data: dict) -> EndUser | None:
        """As the row-by-row import: by customerRef, else the holder of the first held identifier."""
        ref = (data.get("customerRef") or "").strip()
        if ref and ref in self.by_ref:
            return self.by_ref[ref]
        for uid in data.get("uids") or []:
            holder = self.by_uid.get((uid["uidType"], lookup_key(uid["uid"])))
            if holder is not None:
                return holder
        return None


def validated(rows) -> tuple[list[Valid], list[tuple[int, list[str], Invalid]]]:
    """Each (line, body, uid columns) through the form: the valid rows, and (line, uid columns,
    error) for the others."""
    valid, refused, validate = [], [], ManyBodies(EndUserCreateForm)
    for line, body, uid_columns in rows:
        try:
            form = validate(body)
        except Invalid as exc:
            refused.append((line, uid_columns, exc))
            continue
        valid.append(Valid(line, body, uid_columns, form.data))
    return valid, refused


def build_end_user(customer_id: int, data: dict) -> EndUser:
    """A new person from a row, as create_end_user makes one: the first identifier primary unless
    the row names one."""
    person = EndUser(customer_id=customer_id, customer_type=DEFAULT_CUSTOMER_TYPE)
    apply_profile(person, data, creating=True)
    rows = data.get("uids") or []
    chosen = next((i for i, u in enumerate(rows) if u.get("isPrimary")), 0)
    person.uids = [EndUserUID(customer_id=customer_id, uid_type=u["uidType"], uid=u["uid"], is_primary=i == chosen)
                   for i, u in enumerate(rows)]
    return person


def _conflicts(people: People, person: EndUser, data: dict) -> list[UIDConflict]:
    return [UIDConflict(f"uids[{i}].uid", u["uidType"], u["uid"], holder)
            for i, u in enumerate(data.get("uids") or [])
            if (holder := people.by_uid.get((u["uidType"], lookup_key(u["uid"])))) not in (None, person)]


def _update(people: People, person: EndUser, row: Valid, mode: str) -> tuple[str, dict, list[EndUserUID]]:
    """Apply the row's non-empty cells and the identifiers the person lacks: ("unchanged" | "updated",
    the snapshot before, the identifiers added). A refused row (IdentifierConflict; Conflict in
    create mode) is put back."""
    kind = kind_of(person)
    before = kind.snapshot(person)
    if conflicts := _conflicts(people, person, row.data):
        raise IdentifierConflict(conflicts)
    primaries = [(u, u.is_primary) for u in person.uids]
    have = {(u.uid_type, u.uid_lookup) for u in person.uids}
    apply_profile(person, {name: row.data[name] for name in row.body if name in PROFILE_FIELDS}, creating=False)
    added = [EndUserUID(customer_id=person.customer_id, uid_type=u["uidType"], uid=u["uid"], is_primary=False)
             for u in row.data.get("uids") or [] if (u["uidType"], lookup_key(u["uid"])) not in have]
    person.uids.extend(added)
    if added and not any(u.is_primary for u in person.uids):
        min(person.uids, key=lambda u: (u.id is None, u.id or 0)).is_primary = True  # as _settle_primary
    if kind.snapshot(person) == before:
        return "unchanged", before, []
    if mode == "create":
        _restore_profile(person, before)
        for uid in added:
            person.uids.remove(uid)
        for uid, was in primaries:
            uid.is_primary = was
        raise Conflict(f"This person exists already as {person.name or 'end user'} (endUserID {person.id}) "
                       "with other values; import with mode upsert to update them.")
    for uid in added:
        people.by_uid[(uid.uid_type, uid.uid_lookup)] = person
    return "updated", before, added


def reserve_ids(model, count: int) -> list[int]:
    """`count` fresh primary keys of `model`'s table. Rows that arrive with their id go out as one
    multi-row INSERT; without, SQLAlchemy sends one INSERT ... RETURNING per row on SQLite (which
    does not promise RETURNING's order). SQLite: after the largest id, as SQLite itself numbers
    rows (the job's transaction holds the write lock); PostgreSQL: from the table's sequence."""
    if count == 0:
        return []
    table = model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        return list(db.session.scalars(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                                            "FROM generate_series(1, :count)"), {"table": table.name, "count": count}))
    start = db.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
    return list(range(start, start + count))


def _number(model, records: list) -> None:
    for record, ident in zip(records, reserve_ids(model, len(records))):
        record.id = ident


_PERSON_COLUMNS = [c.key for c in EndUser.__table__.columns
                   if c.key not in ("created_at", "updated_at", "last_interaction_at")]
_UID_COLUMNS = [c.key for c in EndUserUID.__table__.columns]


def _insert(people: list[EndUser]) -> None:
    """The batch's new people and their identifiers, as two multi-row INSERTs. They are built
    outside the session: an ORM flush would read last_interaction_at back (a trigger sets it)
    with one INSERT ... RETURNING per person. created_at/updated_at take their column defaults;
    the search text is composed as the before_flush hook composes it."""
    if not people:
        return
    for person in people:
        person.search_text = compose(person, [u.uid_lookup for u in person.uids])
    db.session.execute(insert(EndUser), [{key: getattr(p, key) for key in _PERSON_COLUMNS} for p in people])
    uids = [{key: getattr(u, key) for key in _UID_COLUMNS} | {"end_user_id": p.id} for p in people for u in p.uids]
    if uids:
        db.session.execute(insert(EndUserUID), uids)


def write_batch(customer_id: int, actor, mode: str, rows: list[Valid]) -> list[Outcome]:
    """Match and apply the batch's valid rows in file order, then write them and their audit
    events in one flush."""
    people = People.load(customer_id, rows)
    outcomes, written, new_people, new_uids = [], [], [], []
    for row in rows:
        person = people.find(row.data)
        if person is None:
            person = build_end_user(customer_id, row.data)  # inserted by _insert, after the loop
            people.add(person)
            new_people.append(person)
            new_uids.extend(person.uids)
            written.append(("Create", person, {}, kind_of(person).snapshot(person), person.name))
            outcomes.append(Outcome("created"))
            continue
        try:
            outcome, before, added = _update(people, person, row, mode)
        except (Invalid, Conflict) as exc:
            outcomes.append(Outcome(error=exc))
            continue
        if outcome == "updated":
            new_uids.extend(added)
            written.append(("Update", person, before, kind_of(person).snapshot(person), person.name))
        outcomes.append(Outcome(outcome))
    _number(EndUser, new_people)
    _number(EndUserUID, new_uids)
    _insert(new_people)
    events = [event_between(customer_id, actor, action, person, before, after, label=name or None)
              for action, person, before, after, name in written]
    events = [e for e in events if e is not None]
    _number(AuditEvent, events)
    db.session.add_all(events)
    db.session.flush()  # the updated people, the identifiers they gained, the events
    return outcomes


def write_or_fall_back(customer_id: int, actor, mode: str, rows: list[Valid], one_by_one) -> list[Outcome]:
    """write_batch in a savepoint; when its flush hits a constraint, `one_by_one(row)` for each row."""
    try:
        with db.session.begin_nested():
            outcomes = write_batch(customer_id, actor, mode, rows)
        return outcomes
    except IntegrityError:
        return [one_by_one(row) for row in rows]
