"""End users at a million: an FTS5 trigram index on SQLite, one index per list sort, the last
interaction kept on the end user, and ticket indexes that end in last_message_date

Revision ID: c5d8e2a1f4b9
Revises: c5d1e7a3b920
Create Date: 2026-12-01 21:30:00

- SQLite: end_user_fts, an external-content FTS5 table (trigram tokenizer) over end_user.search_text,
  kept in step by triggers, so every write (ORM, Core, a bulk INSERT...SELECT, a cascade) follows.
  A later batch_alter_table('end_user') that recreates the table drops these triggers: recreate
  them with create_sqlite_search() from this file.
- Sort indexes: tenant, the sort key, the id, in the exact form of app/pagination.ordering() on
  each engine (PostgreSQL: NULLS LAST in the index, one per direction; SQLite: `(key IS NULL), key,
  id` for ascending, and `key, id` read backwards for descending, where NULLs already come last).
- end_user.last_interaction_at: max(ticket.last_message_date) over the tickets matched by one of
  the end user's identifiers or its customerRef. Triggers on ticket, end_user_uid and end_user keep
  it (index lookups on the two ticket indexes below), so a list page reads a column.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c5d8e2a1f4b9'
down_revision = 'c5d1e7a3b920'
branch_labels = None
depends_on = None

# key -> the sort expression (as app/end_users/queries.sortable_columns writes it)
NULLABLE_SORTS = {
    "firstname": "lower(firstname)",
    "lastname": "lower(lastname)",
    "company": "lower(company)",
    "city": "lower(city)",
    "country": "country",
    "customer_ref": "customer_ref",
    "last_interaction": "last_interaction_at",
}


def sort_index_names() -> set[str]:
    names = {f"ix_end_user_sort_{key}_{way}" for key in NULLABLE_SORTS for way in ("asc", "desc")}
    return names | {"ix_end_user_sort_customer_type", "ix_end_user_sort_customer_type_desc", "ix_end_user_sort_id_desc",
                    "ix_end_user_sort_customer_ref_nocase"}


def _create_sort_indexes(postgresql: bool):
    """Each in the exact form of app/pagination.ordering() on that engine."""
    for key, expr in NULLABLE_SORTS.items():
        if postgresql:  # ORDER BY key ASC NULLS LAST, id / key DESC NULLS LAST, id DESC
            asc, desc = f"({expr}), id", f"({expr}) DESC NULLS LAST, id DESC"
        else:  # ORDER BY (key IS NULL), key, id / key DESC, id DESC (NULLs are smallest in SQLite)
            asc, desc = f"(({expr}) IS NULL), ({expr}), id", f"({expr}), id"
        op.execute(f"CREATE INDEX ix_end_user_sort_{key}_asc ON end_user (customer_id, {asc})")
        op.execute(f"CREATE INDEX ix_end_user_sort_{key}_desc ON end_user (customer_id, {desc})")
    op.execute("CREATE INDEX ix_end_user_sort_customer_type ON end_user (customer_id, customer_type, id)")
    if not postgresql:  # customerRef prefix search: SQLite's LIKE uses a NOCASE index
        op.execute("CREATE INDEX ix_end_user_sort_customer_ref_nocase ON end_user "
                   "(customer_id, customer_ref COLLATE NOCASE)")
    if postgresql:  # SQLite reads the ascending ones backwards
        op.execute("CREATE INDEX ix_end_user_sort_customer_type_desc ON end_user "
                   "(customer_id, customer_type DESC NULLS LAST, id DESC)")
        op.execute("CREATE INDEX ix_end_user_sort_id_desc ON end_user (customer_id, id DESC NULLS LAST)")


# The latest message over the tickets of the end user row named `e` (both engines).
def _latest_of(e: str) -> str:
    return f"""(SELECT max(d) FROM (
        SELECT max(t.last_message_date) AS d FROM ticket t
         WHERE t.customer_id = {e}.customer_id
           AND t.uid_lookup IN (SELECT u.uid_lookup FROM end_user_uid u WHERE u.end_user_id = {e}.id)
        UNION ALL
        SELECT max(t.last_message_date) AS d FROM ticket t
         WHERE t.customer_id = {e}.customer_id AND t.customer_ref = {e}.customer_ref) AS latest)"""


def _owners_of(row: str) -> tuple[str, str]:
    """end_user rows a ticket row (NEW or OLD) belongs to, as two WHERE clauses (one UPDATE each):
    by identifier and by customerRef. Two index lookups whatever the planner's statistics, where
    one `id IN (...) OR customer_ref = ...` could be planned as a walk over the tenant."""
    return (f"id IN (SELECT end_user_id FROM end_user_uid "
            f"WHERE customer_id = {row}.customer_id AND uid_lookup = {row}.uid_lookup)",
            f"customer_id = {row}.customer_id AND customer_ref = {row}.customer_ref")


RECOMPUTE = f"UPDATE end_user SET last_interaction_at = {_latest_of('end_user')}"


def _recompute_owners(row: str) -> str:
    return " ".join(f"{RECOMPUTE} WHERE {where};" for where in _owners_of(row))


def _raise_to(row: str) -> str:
    """A new ticket: its date becomes the owners' last interaction when it is later."""
    return " ".join(
        f"UPDATE end_user SET last_interaction_at = {row}.last_message_date WHERE {where} "
        f"AND (last_interaction_at IS NULL OR last_interaction_at < {row}.last_message_date);"
        for where in _owners_of(row))


def create_sqlite_search():
    op.execute("CREATE VIRTUAL TABLE end_user_fts USING fts5(search_text, content='end_user', "
               "content_rowid='id', tokenize='trigram')")
    op.execute("INSERT INTO end_user_fts(end_user_fts) VALUES ('rebuild')")
    op.execute("""CREATE TRIGGER end_user_fts_insert AFTER INSERT ON end_user BEGIN
        INSERT INTO end_user_fts(rowid, search_text) VALUES (NEW.id, NEW.search_text); END""")
    op.execute("""CREATE TRIGGER end_user_fts_delete AFTER DELETE ON end_user BEGIN
        INSERT INTO end_user_fts(end_user_fts, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text); END""")
    op.execute("""CREATE TRIGGER end_user_fts_update AFTER UPDATE OF search_text ON end_user BEGIN
        INSERT INTO end_user_fts(end_user_fts, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text);
        INSERT INTO end_user_fts(rowid, search_text) VALUES (NEW.id, NEW.search_text); END""")


def create_sqlite_last_interaction():
    op.execute(f"""CREATE TRIGGER ticket_last_interaction_insert AFTER INSERT ON ticket
        WHEN NEW.last_message_date IS NOT NULL BEGIN
        {_raise_to('NEW')} END""")
    op.execute(f"""CREATE TRIGGER ticket_last_interaction_update
        AFTER UPDATE OF last_message_date, uid_lookup, customer_ref, customer_id ON ticket BEGIN
        {_recompute_owners('OLD')} {_recompute_owners('NEW')} END""")
    op.execute(f"""CREATE TRIGGER ticket_last_interaction_delete AFTER DELETE ON ticket BEGIN
        {_recompute_owners('OLD')} END""")
    op.execute(f"""CREATE TRIGGER end_user_uid_last_interaction_insert AFTER INSERT ON end_user_uid BEGIN
        {RECOMPUTE} WHERE id = NEW.end_user_id; END""")
    op.execute(f"""CREATE TRIGGER end_user_uid_last_interaction_update
        AFTER UPDATE OF uid_lookup, end_user_id ON end_user_uid BEGIN
        {RECOMPUTE} WHERE id IN (OLD.end_user_id, NEW.end_user_id); END""")
    op.execute(f"""CREATE TRIGGER end_user_uid_last_interaction_delete AFTER DELETE ON end_user_uid BEGIN
        {RECOMPUTE} WHERE id = OLD.end_user_id; END""")
    op.execute(f"""CREATE TRIGGER end_user_last_interaction_insert AFTER INSERT ON end_user
        WHEN NEW.customer_ref IS NOT NULL BEGIN {RECOMPUTE} WHERE id = NEW.id; END""")
    op.execute(f"""CREATE TRIGGER end_user_last_interaction_ref AFTER UPDATE OF customer_ref ON end_user BEGIN
        {RECOMPUTE} WHERE id = NEW.id; END""")


PG_FUNCTIONS = f"""
CREATE FUNCTION ticket_last_interaction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.last_message_date IS NOT NULL THEN
      {_raise_to('NEW')}
    END IF;
    RETURN NULL;
  END IF;
  {_recompute_owners('OLD')}
  IF TG_OP = 'UPDATE' THEN
    {_recompute_owners('NEW')}
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION end_user_uid_last_interaction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {RECOMPUTE} WHERE id = OLD.end_user_id;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {RECOMPUTE} WHERE id = NEW.end_user_id;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION end_user_last_interaction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.last_interaction_at := {_latest_of('NEW')};
  RETURN NEW;
END $$;

CREATE TRIGGER ticket_last_interaction AFTER INSERT OR DELETE OR UPDATE OF last_message_date, uid_lookup,
  customer_ref, customer_id ON ticket FOR EACH ROW EXECUTE FUNCTION ticket_last_interaction();
CREATE TRIGGER end_user_uid_last_interaction AFTER INSERT OR DELETE OR UPDATE OF uid_lookup, end_user_id
  ON end_user_uid FOR EACH ROW EXECUTE FUNCTION end_user_uid_last_interaction();
CREATE TRIGGER end_user_last_interaction BEFORE INSERT OR UPDATE OF customer_ref
  ON end_user FOR EACH ROW EXECUTE FUNCTION end_user_last_interaction();
"""


def _ticket_indexes():
    with op.batch_alter_table('ticket') as batch_op:
        batch_op.drop_index('ix_ticket_customer_uid')
        batch_op.drop_index('ix_ticket_customer_ref')
        batch_op.create_index('ix_ticket_customer_uid', ['customer_id', 'uid_lookup', 'last_message_date'])
        batch_op.create_index('ix_ticket_customer_ref', ['customer_id', 'customer_ref', 'last_message_date'])


def upgrade():
    conn = op.get_bind()
    postgresql = conn.dialect.name == "postgresql"
    with op.batch_alter_table('end_user') as batch_op:
        batch_op.add_column(sa.Column('last_interaction_at', sa.DateTime(), nullable=True))
    _ticket_indexes()
    op.execute(f"{RECOMPUTE} WHERE EXISTS (SELECT 1 FROM ticket t WHERE t.customer_id = end_user.customer_id)")
    _create_sort_indexes(postgresql)
    if postgresql:
        op.execute(PG_FUNCTIONS)
        op.execute("ANALYZE")
    else:
        create_sqlite_search()
        create_sqlite_last_interaction()
        op.execute("PRAGMA optimize")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ticket_last_interaction ON ticket")
        op.execute("DROP TRIGGER IF EXISTS end_user_uid_last_interaction ON end_user_uid")
        op.execute("DROP TRIGGER IF EXISTS end_user_last_interaction ON end_user")
        for name in ("ticket_last_interaction", "end_user_uid_last_interaction", "end_user_last_interaction"):
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in ("end_user_fts_insert", "end_user_fts_delete", "end_user_fts_update",
                     "ticket_last_interaction_insert", "ticket_last_interaction_update",
                     "ticket_last_interaction_delete", "end_user_uid_last_interaction_insert",
                     "end_user_uid_last_interaction_update", "end_user_uid_last_interaction_delete",
                     "end_user_last_interaction_insert", "end_user_last_interaction_ref"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS end_user_fts")
    for name in sorted(sort_index_names()):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    with op.batch_alter_table('ticket') as batch_op:
        batch_op.drop_index('ix_ticket_customer_uid')
        batch_op.drop_index('ix_ticket_customer_ref')
        batch_op.create_index('ix_ticket_customer_uid', ['customer_id', 'uid_lookup'])
        batch_op.create_index('ix_ticket_customer_ref', ['customer_id', 'customer_ref'])
    with op.batch_alter_table('end_user') as batch_op:
        batch_op.drop_column('last_interaction_at')
