"""Ordered lists of links (TopicActions and HookActions), written once for both.

A list is every link of one customer with the same `context_key`; lower priority runs earlier.
Writes to a list take the list's lock first, so that a reorder and an add or remove never
interleave:
- PostgreSQL: a transaction-scoped advisory lock on (table, customer, context).
- SQLite: nothing more to take: a unit of work that writes holds the database's write lock from
  its BEGIN IMMEDIATE (app/sqlite.py); other writers wait on the busy timeout.
A reorder (app/actions/operations.py) then reads the members under the lock, compares them with the submitted ids and
rewrites the priorities 10, 20, 30, ... in the same transaction.
"""
import hashlib

from sqlalchemy import case, func, inspect, select, text, update
from sqlalchemy.orm import joinedload

from app.domain_errors import Conflict, Invalid
from app.extensions import db
from app.tenancy import in_id_range

STEP = 10


class StaleList(Conflict):
    """The submitted ids are not the list's current members; nothing was changed."""

    def __init__(self, current: list[int]):
        super().__init__(
            "This list was changed meanwhile (a link was added or removed). "
            "Nothing was saved; currentOrder holds the list as it is now.",
            currentOrder=current,
        )
        self.current = current


def _lock_key(table: str, customer_id: int, context_key: str) -> int:
    digest = hashlib.blake2b(f"{table}|{customer_id}|{context_key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_context(model, customer_id: int, context_key: str) -> None:
    """Hold the list's write lock until the transaction ends."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": _lock_key(model.__tablename__, customer_id, context_key)},
        )


def member_ids(model, customer_id: int, context_key: str) -> list[int]:
    """The list in execution order (priority, then id for equal priorities)."""
    return list(db.session.scalars(
        select(model.id)
        .where(model.customer_id == customer_id, model.context_key == context_key)
        .order_by(model.priority, model.id)
    ))


def members(model, customer_id: int, context_key: str) -> list:
    """The links in execution order with the rows their DTO names (action, topic, channel) joined
    in the same statement: one query for a list's answer, not one lazy load per link."""
    related = [joinedload(rel.class_attribute) for rel in inspect(model).relationships if not rel.uselist]
    return list(db.session.scalars(
        select(model)
        .where(model.customer_id == customer_id, model.context_key == context_key)
        .order_by(model.priority, model.id)
        .options(*related)
        .execution_options(populate_existing=True)
    ).unique())


def next_priority(model, customer_id: int, context_key: str) -> int:
    """Appending: one step after the current last link."""
    last = db.session.scalar(
        select(func.max(model.priority)).where(model.customer_id == customer_id, model.context_key == context_key)
    )
    return (last or 0) + STEP


def context_of(model, customer_id: int, ids: list[int]) -> str | None:
    """The one list these ids belong to; None when none of them exists for this customer."""
    keys = set(db.session.scalars(
        select(model.context_key).where(model.customer_id == customer_id,
                                        model.id.in_([i for i in ids if in_id_range(i)]))
    ))
    if len(keys) > 1:
        raise Invalid({"ids": ["All ids must belong to one list (same context)."]},
                      "These links belong to different lists.")
    return keys.pop() if keys else None


def apply_order(model, customer_id: int, ids: list[int]) -> None:
    """Priorities 10, 20, 30... in the order given (the caller holds the list's lock): one UPDATE
    with a CASE on the id, whatever the length of the list."""
    if not ids:
        return
    db.session.execute(
        update(model)
        .where(model.customer_id == customer_id, model.id.in_(ids))
        .values(priority=case({ident: position * STEP for position, ident in enumerate(ids, start=1)},
                              value=model.id))
        .execution_options(synchronize_session=False)
    )


def the_moved_one(before: list[int], after: list[int]) -> int | None:
    """The id a single drag or move took elsewhere (None if the lists differ otherwise)."""
    if before == after or sorted(before) != sorted(after):
        return None
    for ident in after:
        if [i for i in before if i != ident] == [i for i in after if i != ident]:
            return ident
    return None


def moved(ids: list[int], ident: int, direction: str) -> list[int]:
    """The order after moving one id a place up or down (unchanged at the ends)."""
    order = list(ids)
    if ident not in order:
        return order
    index = order.index(ident)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
    return order
