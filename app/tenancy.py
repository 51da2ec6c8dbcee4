"""Tenant scoping in one place: every query for tenant data goes through here, and is told
the tenant explicitly (views take it from app/request_scope.py; the CLI and jobs know it).

A row of another customer is simply not found (404), never forbidden (403), so nobody learns
that it exists.
"""
from functools import cache

from sqlalchemy import ForeignKey, bindparam, select
from sqlalchemy.orm import Mapped, declared_attr, joinedload, mapped_column

from app.domain_errors import NotFound
from app.extensions import db

MAX_ID = 2**31 - 1


class TenantMixin:
    """Columns shared by every table that belongs to one customer."""

    @declared_attr
    def customer_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True
        )


def scoped(model, customer_id: int, *criteria):
    """A SELECT of `model` limited to one customer's rows."""
    return select(model).where(model.customer_id == customer_id, *criteria)


def in_id_range(ident: int) -> bool:
    """Whether a number can be a row id at all: a larger one is simply not found (the databases
    would fail converting it to INTEGER)."""
    return 0 < ident <= MAX_ID


@cache
def _by_id(model, joined: tuple[str, ...]):
    """One row by tenant and id, with these relationships joined: built once per model and
    relationships, so that SQLAlchemy finds its compiled form without building and hashing the
    statement again on every request (half the cost of reading one row)."""
    stmt = scoped(model, bindparam("customer_id"), model.id == bindparam("ident"))
    return stmt.options(*(joinedload(getattr(model, name)) for name in joined))


def get_scoped(model, customer_id: int, ident, lock: bool = False, joined: tuple[str, ...] = ()):
    """The customer's row with this primary key, or None.

    lock=True: read it afresh and hold its row lock until the transaction ends (SELECT ... FOR
    UPDATE on PostgreSQL, which also holds off rows being added that refer to it; SQLite's writer
    already holds the database lock), for a write that first compares the row with what the
    caller saw (app/versions.py). joined: relationships every answer shows (e.g. ("uids",)),
    loaded in the same statement."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        return None
    if not in_id_range(ident):
        return None
    stmt = _by_id(model, joined)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.scalars(stmt, {"customer_id": customer_id, "ident": ident}).unique().one_or_none()


def get_scoped_or_404(model, customer_id: int, ident, lock: bool = False, joined: tuple[str, ...] = ()):
    row = get_scoped(model, customer_id, ident, lock, joined)
    if row is None:
        raise NotFound()
    return row


def tenant_models():
    """Every mapped class that carries a customer_id: used by the isolation tests."""
    return sorted(
        (m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, TenantMixin)),
        key=lambda cls: cls.__name__,
    )


def ensure_owned(record, customer_id: int):
    """An operation handed a record checks it is the tenant's: another tenant's is not found."""
    if record is None or record.customer_id != customer_id:
        raise NotFound()
    return record
