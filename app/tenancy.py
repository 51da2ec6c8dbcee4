"""Tenant scoping in one place: every query for tenant data goes through here.

A row of another customer is simply not found (404), never forbidden (403), so nobody learns
that it exists.
"""
from flask import abort
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.extensions import db

MAX_ID = 2**31 - 1


class TenantMixin:
    """Columns shared by every table that belongs to one customer."""

    @declared_attr
    def customer_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("customer.id", ondelete="CASCADE"), nullable=False, index=True
        )


def current_customer_id() -> int:
    from app.auth.policies import current_principal

    principal = current_principal()
    if principal is None:
        abort(401)
    return principal.customer_id


def scoped(model, *criteria):
    """A SELECT of `model` limited to the current customer's rows."""
    return select(model).where(model.customer_id == current_customer_id(), *criteria)


def in_id_range(ident: int) -> bool:
    """Whether a number can be a row id at all: a larger one is simply not found (the databases
    would fail converting it to INTEGER)."""
    return 0 < ident <= MAX_ID


def get_scoped(model, ident):
    """The current customer's row with this primary key, or None."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        return None
    if not in_id_range(ident):
        return None
    return db.session.scalars(scoped(model, model.id == ident)).one_or_none()


def get_scoped_or_404(model, ident):
    row = get_scoped(model, ident)
    if row is None:
        abort(404)
    return row


def tenant_models():
    """Every mapped class that carries a customer_id: used by the isolation tests."""
    return sorted(
        (m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, TenantMixin)),
        key=lambda cls: cls.__name__,
    )
