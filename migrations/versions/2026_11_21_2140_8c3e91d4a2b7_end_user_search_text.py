"""end_user.search_text: one lower-cased text per end user for list search, with a trigram
index on PostgreSQL

Revision ID: 8c3e91d4a2b7
Revises: 5b1c0a7e2f10
Create Date: 2026-11-21 21:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '8c3e91d4a2b7'
down_revision = '5b1c0a7e2f10'
branch_labels = None
depends_on = None

PROFILE = ("firstname", "lastname", "company", "city", "street", "postal_code", "other_contact_details")


def _backfill(conn):
    """Fill search_text for existing rows exactly as app/end_users/search_text.compose does."""
    users = sa.table("end_user", sa.column("id"), sa.column("search_text"), *(sa.column(c) for c in PROFILE))
    uids = sa.table("end_user_uid", sa.column("end_user_id"), sa.column("uid_lookup"))
    by_user = {}
    for end_user_id, lookup in conn.execute(sa.select(uids.c.end_user_id, uids.c.uid_lookup).order_by(uids.c.end_user_id)):
        by_user.setdefault(end_user_id, []).append(lookup)
    for row in conn.execute(sa.select(users.c.id, *(users.c[c] for c in PROFILE))).all():
        parts = [row[i + 1] for i in range(len(PROFILE))] + by_user.get(row[0], [])
        text = "\n".join(p.strip().lower() for p in parts if p and p.strip())
        conn.execute(users.update().where(users.c.id == row[0]).values(search_text=text))


def upgrade():
    with op.batch_alter_table('end_user') as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    conn = op.get_bind()
    _backfill(conn)
    if conn.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_end_user_search_text_trgm ON end_user USING gin (search_text gin_trgm_ops)")
        # customerRef prefix search: lower(customer_ref) LIKE 'x%' needs a pattern-ops index
        op.execute("CREATE INDEX ix_end_user_customer_ref_prefix ON end_user (lower(customer_ref) text_pattern_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_end_user_search_text_trgm")
        op.execute("DROP INDEX IF EXISTS ix_end_user_customer_ref_prefix")
    with op.batch_alter_table('end_user') as batch_op:
        batch_op.drop_column('search_text')
