"""Composite foreign keys that keep a link inside one tenant.

A child row names its parent by (customer_id, parent_id), so the database itself refuses a
link to another customer's row. Parents expose UNIQUE (customer_id, id) for this.
"""
from sqlalchemy import ForeignKeyConstraint, UniqueConstraint


def tenant_key():
    return UniqueConstraint("customer_id", "id")


def same_tenant_fk(column: str, parent_table: str, ondelete: str | None = None):
    return ForeignKeyConstraint(
        ["customer_id", column],
        [f"{parent_table}.customer_id", f"{parent_table}.id"],
        ondelete=ondelete,
    )
# ondelete None means NO ACTION, checked at the end of the statement: deleting a whole
# customer cascades through every table without tripping over the order of the cascade.
