"""Helpers for tests that compare a tenant's stored rows before and after hostile requests."""
from sqlalchemy import select

from app.customers.models import Customer
from app.extensions import db


def snapshot(app, customer_id: int) -> dict:
    """Every row of every tenant-scoped table that belongs to this customer, plus its own row."""
    out = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if "customer_id" in table.c:
                where = table.c.customer_id == customer_id
            elif table.name == Customer.__tablename__:
                where = table.c.id == customer_id
            else:
                continue
            order = list(table.primary_key.columns) or list(table.c)
            out[table.name] = [tuple(row) for row in db.session.execute(select(table).where(where).order_by(*order))]
        db.session.remove()
    return out


def differences(before: dict, after: dict) -> list[str]:
    return [f"{name}: {len(before[name])} rows before, {len(after[name])} after; first change "
            f"{next(((x, y) for x, y in zip(before[name], after[name]) if x != y), None)}"
            for name in before if before[name] != after[name]]
