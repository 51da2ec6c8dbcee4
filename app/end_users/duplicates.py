"""Possible duplicates: pairs of end users that are likely one person.

Two signals, each compared only within a block so that a million end users never means a
million squared comparisons:
- an identifier value shared across types (the same number stored as Phone by one and as
  WhatsApp by the other): the block is the normalised value itself, one index lookup
  (end_user_uid (customer_id, uid_lookup)); values of other types that read as phone numbers are
  compared in their E.164 form, kept in end_user_uid.uid_number (indexed);
- very similar names (rapidfuzz token_sort_ratio) among people of the same company or with the
  same e-mail local part: the block is the company or the local part (a range of the
  identifier index in byte order, see email_name_block).
A pair someone dismissed (DismissedDuplicate) is never suggested again.
"""
from dataclasses import dataclass
from itertools import combinations, groupby

from rapidfuzz import fuzz
from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from app.actors import Actor
from app.audit.recorder import record_event
from app.end_users import identifiers
from app.end_users.merge_models import DismissedDuplicate
from app.end_users.models import EndUser, EndUserUID
from app.extensions import db
from app.tenancy import ensure_owned

NAME_THRESHOLD = 88  # token_sort_ratio: "Jan Janssens" / "Jan Jansens" is 96, "Jan Peeters" / "Jan Maes" 63
MAX_BLOCK = 500  # a block larger than this (a big company) is compared only within its first rows
BATCH = 2000


@dataclass(frozen=True)
class Suggestion:
    first_id: int
    second_id: int
    reason: str
    score: float

    @property
    def pair(self) -> tuple[int, int]:
        return ordered(self.first_id, self.second_id)


def ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def full_name(firstname, lastname) -> str:
    return " ".join(p.strip() for p in (firstname, lastname) if p and p.strip()).lower()


def name_score(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(a, b) / 100 if a and b else 0.0


def dismissed_pairs(customer_id: int) -> set[tuple[int, int]]:
    return set(db.session.execute(select(DismissedDuplicate.low_id, DismissedDuplicate.high_id).where(
        DismissedDuplicate.customer_id == customer_id)).tuples())


def dismiss(customer_id: int, actor: Actor, end_user: EndUser, other: EndUser) -> bool:
    """Hide the pair for good (one audit event on the first end user); False when it was hidden already."""
    low, high = ordered(ensure_owned(end_user, customer_id).id, ensure_owned(other, customer_id).id)
    if (low, high) in dismissed_pairs(customer_id):
        return False
    db.session.add(DismissedDuplicate(customer_id=customer_id, low_id=low, high_id=high))
    record_event(customer_id, actor, "Update", "EndUser", end_user.id, end_user.name or f"End user {end_user.id}",
                 {"notDuplicateOf": {"from": None, "to": other.id}}, revertible=False)
    db.session.flush()
    return True


def _local_part(email: str) -> str:
    return email.rsplit("@", 1)[0]


# ---- For one end user ---------------------------------------------------------------------------

def duplicates_of(end_user: EndUser) -> list[Suggestion]:
    customer_id, found = end_user.customer_id, {}
    hidden = dismissed_pairs(customer_id)
    for suggestion in (*_shared_identifiers(end_user), *_similar_names(end_user)):
        other = suggestion.second_id
        if other != end_user.id and suggestion.pair not in hidden and (
                other not in found or found[other].score < suggestion.score):
            found[other] = suggestion
    return sorted(found.values(), key=lambda s: (-s.score, s.second_id))


def _shared_identifiers(end_user: EndUser):
    region = identifiers.region_for(end_user.country)
    for uid in end_user.uids:
        candidates = identifiers.lookup_candidates(uid.uid, region)
        rows = db.session.execute(select(EndUserUID.end_user_id, EndUserUID.uid_type).where(
            EndUserUID.customer_id == end_user.customer_id, EndUserUID.uid_lookup.in_(candidates),
            EndUserUID.end_user_id != end_user.id))
        for other_id, other_type in rows:
            yield Suggestion(end_user.id, other_id,
                             f"Same identifier {uid.uid} as {uid.uid_type} and as {other_type}", 1.0)
    numbers = {u.uid_lookup: u for u in end_user.uids if u.uid_type in identifiers.PHONE_TYPES}
    if numbers:  # the same number written freely under a type of the tenant's own (Mobile, Fax...)
        for other_id, uid_type, number in db.session.execute(free_form_holders(end_user.customer_id, numbers)):
            if other_id != end_user.id:
                mine = numbers[number]
                yield Suggestion(end_user.id, other_id,
                                 f"Same number {mine.uid} as {mine.uid_type} and as {uid_type}", 1.0)


def free_form_holders(customer_id: int, numbers):
    """(end_user_id, uid_type, number) of the identifiers of the tenant's own types that read as one
    of `numbers` (E.164): an index lookup on end_user_uid (customer_id, uid_number)."""
    return select(EndUserUID.end_user_id, EndUserUID.uid_type, EndUserUID.uid_number).where(
        EndUserUID.customer_id == customer_id, EndUserUID.uid_number.in_(list(numbers)))


def email_name_block(customer_id: int, local: str):
    """The end_user_ids with an e-mail address of local part `local`: the addresses from `local@`
    up to (not including) `localA`, '@' and 'A' being neighbours in byte order. A range on
    (customer_id, uid_type, uid_lookup) in byte order (SQLite's unique index; on PostgreSQL
    ix_end_user_uid_email_bytewise, in the C collation), where LIKE 'local@%' reads every address."""
    column = _bytewise(EndUserUID.uid_lookup)
    return select(EndUserUID.end_user_id).where(
        EndUserUID.customer_id == customer_id, EndUserUID.uid_type == "Email",
        column >= local + "@", column < local + "A")


def _similar_names(end_user: EndUser):
    mine = full_name(end_user.firstname, end_user.lastname)
    if not mine:
        return
    blocks = []
    if end_user.company and end_user.company.strip():
        blocks.append(("the same company " + end_user.company.strip(),
                       select(EndUser.id).where(EndUser.customer_id == end_user.customer_id,
                                                EndUser.company == end_user.company)))
    for uid in end_user.uids:
        if uid.uid_type == "Email":
            local = _local_part(uid.uid_lookup)
            blocks.append((f"the same e-mail name {local}@", email_name_block(end_user.customer_id, local)))
    for reason, ids in blocks:
        rows = db.session.execute(select(EndUser.id, EndUser.firstname, EndUser.lastname).where(
            EndUser.customer_id == end_user.customer_id, EndUser.id.in_(ids.limit(MAX_BLOCK)),
            EndUser.id != end_user.id))
        for other_id, firstname, lastname in rows:
            score = name_score(mine, full_name(firstname, lastname))
            if score * 100 >= NAME_THRESHOLD:
                yield Suggestion(end_user.id, other_id, f"Similar names at {reason}", round(score, 2))


# ---- Tenant-wide -------------------------------------------------------------------------------

def tenant_duplicates(customer_id: int, limit: int = 100) -> list[Suggestion]:
    """The first `limit` suggested pairs of the tenant, shared identifiers first."""
    hidden, seen, out = dismissed_pairs(customer_id), set(), []
    for suggestion in _tenant_candidates(customer_id):
        if suggestion.pair in hidden or suggestion.pair in seen:
            continue
        seen.add(suggestion.pair)
        out.append(suggestion)
        if len(out) >= limit:
            break
    return out


def _tenant_candidates(customer_id: int):
    yield from _tenant_shared_identifiers(customer_id)
    yield from _tenant_similar_names(customer_id, *_company_blocks(customer_id))
    yield from _tenant_similar_names(customer_id, *_local_part_blocks(customer_id))


def _tenant_shared_identifiers(customer_id: int):
    a, b = aliased(EndUserUID), aliased(EndUserUID)
    rows = db.session.execute(
        select(a.end_user_id, b.end_user_id, a.uid, a.uid_type, b.uid_type)
        .join(b, and_(b.customer_id == a.customer_id, b.uid_lookup == a.uid_lookup, b.end_user_id > a.end_user_id))
        .where(a.customer_id == customer_id).order_by(a.end_user_id, b.end_user_id)
        .execution_options(yield_per=BATCH))
    for first, second, value, first_type, second_type in rows:
        yield Suggestion(first, second, f"Same identifier {value} as {first_type} and as {second_type}", 1.0)
    yield from _phone_like_values(customer_id)


def _phone_like_values(customer_id: int):
    """Numbers stored under another type (Mobile, Fax...) meet Phone/WhatsApp rows in E.164 form."""
    a, b = aliased(EndUserUID), aliased(EndUserUID)
    rows = db.session.execute(
        select(a.end_user_id, b.end_user_id, a.uid_number, a.uid_type, b.uid_type)
        .join(b, and_(b.customer_id == a.customer_id, b.uid_lookup == a.uid_number, b.end_user_id != a.end_user_id))
        .where(a.customer_id == customer_id, a.uid_number.is_not(None)).order_by(a.end_user_id, b.end_user_id)
        .execution_options(yield_per=BATCH))
    for end_user_id, other_id, number, uid_type, other_type in rows:
        yield Suggestion(end_user_id, other_id, f"Same number {number} as {uid_type} and as {other_type}", 1.0)


def _company_blocks(customer_id: int):
    stmt = (select(EndUser.company, EndUser.id, EndUser.firstname, EndUser.lastname)
            .where(EndUser.customer_id == customer_id, EndUser.company.is_not(None), EndUser.company != "")
            .order_by(EndUser.company, EndUser.id))
    return stmt, lambda key: f"Similar names at the same company {key}"


def _local_part_blocks(customer_id: int):
    # Ordered by the whole address: all addresses with one local part (a prefix "name@") are adjacent.
    stmt = (select(EndUserUID.uid_lookup, EndUser.id, EndUser.firstname, EndUser.lastname)
            .join(EndUser, and_(EndUser.id == EndUserUID.end_user_id, EndUser.customer_id == EndUserUID.customer_id))
            .where(EndUserUID.customer_id == customer_id, EndUserUID.uid_type == "Email")
            .order_by(_bytewise(EndUserUID.uid_lookup), EndUser.id))
    return stmt, lambda key: f"Similar names at the same e-mail name {key}@", _local_part


def _bytewise(column):
    return column.collate("C") if db.engine.dialect.name == "postgresql" else column


def _tenant_similar_names(customer_id: int, stmt, reason, key_of=lambda value: value):
    rows = db.session.execute(stmt.execution_options(yield_per=BATCH))
    for key, block in groupby(rows, key=lambda row: key_of(row[0])):
        people = [(row[1], full_name(row[2], row[3])) for _, row in zip(range(MAX_BLOCK), block)]
        for (first, a), (second, b) in combinations(people, 2):
            if first == second:
                continue
            score = name_score(a, b)
            if score * 100 >= NAME_THRESHOLD:
                yield Suggestion(first, second, reason(key), round(score, 2))
