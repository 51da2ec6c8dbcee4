"""End-user search for words under three characters through indexes on PostgreSQL: lower(firstname),
lower(lastname), lower(company) and end_user_uid.uid_lookup with text_pattern_ops, per tenant

Revision ID: d3a7f1c9b254
Revises: c4d81e5a7b20
Create Date: 2026-12-02 01:00:00

A search made only of short words looks for prefixes (app/end_users/queries.search_criterion):
`lower(lastname) LIKE 'ab%'`, which PostgreSQL serves from a text_pattern_ops index whatever the
database collation. SQLite needs nothing new: it reads the prefix as a range of the list-sort
indexes (ix_end_user_sort_*_desc) and of ix_end_user_uid_lookup.
"""
from alembic import op

revision = 'd3a7f1c9b254'
down_revision = 'c4d81e5a7b20'
branch_labels = None
depends_on = None

PREFIX_INDEXES = {
    "ix_end_user_prefix_firstname": "end_user (customer_id, lower(firstname) text_pattern_ops)",
    "ix_end_user_prefix_lastname": "end_user (customer_id, lower(lastname) text_pattern_ops)",
    "ix_end_user_prefix_company": "end_user (customer_id, lower(company) text_pattern_ops)",
    "ix_end_user_uid_prefix": "end_user_uid (customer_id, uid_lookup text_pattern_ops)",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, target in PREFIX_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {target}")
    op.execute("ANALYZE end_user, end_user_uid")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in PREFIX_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
