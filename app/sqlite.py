"""SQLite as a database several app processes share.

- Foreign keys are enforced only when asked, per connection.
- WAL journal: readers never wait for the writer.
- pysqlite's own transaction handling is switched off (it hides BEGIN and breaks SAVEPOINT);
  SQLAlchemy's begin emits BEGIN IMMEDIATE for a unit of work that writes, so a second writer
  waits for the lock up front (busy timeout) instead of failing halfway through its transaction.
  A lock still not free after the timeout is answered 503 with Retry-After (app/errors.py).
"""
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.unit_of_work import writes_expected

BUSY_TIMEOUT_MS = 10_000


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _connect(dbapi_connection, _record):
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes_expected() else "BEGIN")


def is_locked_error(exc) -> bool:
    """The OperationalError SQLite raises when the busy timeout ran out."""
    message = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in message or "database is busy" in message
