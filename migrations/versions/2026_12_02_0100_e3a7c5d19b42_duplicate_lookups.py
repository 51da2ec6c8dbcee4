"""Duplicate suggestions by index at a million end users: end_user_uid.uid_number (a free-form
identifier's phone number in E.164) with its index, and on PostgreSQL the identifiers in byte
order for the e-mail-name block

Revision ID: e3a7c5d19b42
Revises: d3a7f1c9b254
Create Date: 2026-12-02 01:00:00

- uid_number: app/end_users/models.free_form_number() of each identifier of the tenant's own types
  (not Email, Phone, WhatsApp, CustomerRef); written by the model from now on, filled here for the
  rows that exist. Index (customer_id, uid_number).
- The e-mail-name block is the range [local@, localA) of uid_lookup in byte order
  (app/end_users/duplicates.email_name_block). SQLite compares bytewise and has the unique index
  (customer_id, uid_type, uid_lookup) already; PostgreSQL gets one in the C collation.
- Plain ADD COLUMN / CREATE INDEX: no batch_alter_table, which would rebuild end_user_uid on SQLite
  and drop its last-interaction triggers (migration c5d8e2a1f4b9).
"""
import sqlalchemy as sa
from alembic import op

revision = 'e3a7c5d19b42'
down_revision = 'd3a7f1c9b254'
branch_labels = None
depends_on = None

NOT_FREE_FORM = ("Email", "Phone", "WhatsApp", "CustomerRef")
BATCH = 5000


def _fill_numbers(conn):
    import phonenumbers

    def number(value):
        value = value.strip()
        if value.lower().startswith("whatsapp:"):
            value = value[len("whatsapp:"):].strip()
        try:
            parsed = phonenumbers.parse(value, "BE")
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(parsed):
            return None
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lower()

    uid = sa.table("end_user_uid", sa.column("id", sa.Integer), sa.column("uid_type", sa.String),
                   sa.column("uid", sa.String), sa.column("uid_number", sa.String))
    last = 0
    while True:
        rows = conn.execute(sa.select(uid.c.id, uid.c.uid).where(uid.c.id > last, uid.c.uid_type.not_in(NOT_FREE_FORM))
                            .order_by(uid.c.id).limit(BATCH)).all()
        if not rows:
            return
        found = [{"row_id": i, "number": n} for i, value in rows if value and (n := number(value))]
        if found:
            conn.execute(uid.update().where(uid.c.id == sa.bindparam("row_id")).values(uid_number=sa.bindparam("number")),
                         found)
        last = rows[-1][0]


def upgrade():
    conn = op.get_bind()
    op.add_column('end_user_uid', sa.Column('uid_number', sa.String(length=254), nullable=True))
    _fill_numbers(conn)
    op.create_index('ix_end_user_uid_number', 'end_user_uid', ['customer_id', 'uid_number'])
    if conn.dialect.name == "postgresql":
        op.execute('CREATE INDEX ix_end_user_uid_email_bytewise ON end_user_uid '
                   '(customer_id, uid_type, uid_lookup COLLATE "C")')


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_end_user_uid_email_bytewise")
    op.drop_index('ix_end_user_uid_number', table_name='end_user_uid')
    if conn.dialect.name == "postgresql":
        op.drop_column('end_user_uid', 'uid_number')
    else:  # SQLite: DROP COLUMN without rebuilding the table (3.35+), so the triggers stay
        op.execute("ALTER TABLE end_user_uid DROP COLUMN uid_number")
