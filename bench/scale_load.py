"""The bulk load of bench/scale.py: N end users (about 2.5 identifiers each) and M tickets with one
message each, written straight into the migrated schema in SQL (executemany on SQLite, COPY on
PostgreSQL).

Per-row triggers and two dozen secondary indexes cost about 1 ms per row at a million rows, so
the load sets them aside and puts them back exactly as the migrations made them (their SQL is read
from the database first), then fills what the triggers would have filled, the way the app does:
`search_text` with app/end_users/search_text.compose, the FTS5 table with its own 'rebuild', and
`last_interaction_at` as the latest message over the person's tickets (checked afterwards on a
sample against the migration's own SQL expression), and finally ANALYZE.
"""
import importlib.util
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from app.end_users.search_text import PROFILE_FIELDS, compose

FIRST = ["emma", "lucas", "olivia", "noah", "mila", "liam", "louise", "arthur", "nina", "jules"]
LAST = ["peeters", "janssens", "maes", "jacobs", "mertens", "willems", "claes", "goossens", "wouters", "dubois"]
CITIES = ["antwerp", "ghent", "brussels", "leuven", "namur", "liege", "bruges"]
TABLES = ("end_user", "end_user_uid", "ticket", "ticket_message")
T0 = datetime(2026, 1, 1)
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's storage format for DateTime on SQLite
BATCH = 20_000


def person(n: int) -> tuple[dict, list[tuple[str, str]]]:
    """End user number n: its profile and identifiers (the same n gives the same person in every run)."""
    first, last = FIRST[n % 10], f"{LAST[(n // 10) % 10]}{n}"
    uids = [("Email", email(n)), ("Phone", f"+3247{n:07d}")]
    if n % 2:
        uids.append(("WhatsApp", f"+3248{n:07d}"))
    row = {"firstname": first.title(), "lastname": last.title(), "customer_type": ("Lead", "Customer", "Partner")[n % 3],
           "customer_ref": customer_ref(n), "city": CITIES[n % 7].title(),
           "country": "BE" if n % 5 else None, "company": f"Company {n % 997}" if n % 3 else None}
    return row, uids


def email(n: int) -> str:
    return f"{FIRST[n % 10]}.{LAST[(n // 10) % 10]}{n}@example.com"


def customer_ref(n: int) -> str | None:
    return f"ERP-{n:08d}" if n % 4 else None


def ticket_plan(end_users: int, tickets: int) -> tuple[list[int], list[int], dict[int, int]]:
    """Whose each ticket is (half of them nobody known), its minute, and each person's latest minute."""
    rng = random.Random(1)
    owners = [rng.randrange(end_users * 2) for _ in range(tickets)]
    minutes = [rng.randrange(500_000) for _ in range(tickets)]
    latest: dict[int, int] = {}
    for n, minute in zip(owners, minutes):
        if n < end_users and latest.get(n, -1) < minute:
            latest[n] = minute
    return owners, minutes, latest


def _migration_expression(name: str) -> str:
    """The SQL the last-interaction triggers use (migration c5d8e2a1f4b9), for the sample check."""
    path = next((Path(__file__).resolve().parent.parent / "migrations" / "versions").glob("*_c5d8e2a1f4b9_*.py"))
    spec = importlib.util.spec_from_file_location("end_user_scale_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._latest_of(name)


class Store:
    """One bulk connection; subclasses know their engine's way of writing rows and setting things aside."""
    placeholder = "?"

    def __init__(self, conn):
        self.conn = conn
        self.saved: list[str] = []
        self.times: dict[int, object] = {}

    def next_id(self, table: str) -> int:
        return (self.scalar(f"SELECT coalesce(max(id), 0) FROM {table}")) + 1

    def scalar(self, sql: str, params=()):
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur.fetchone()[0]

    def time(self, minute: int):
        """The stored form of minute `minute` after T0 (cached: 2 M tickets share 500,000 minutes)."""
        value = self.times.get(minute)
        if value is None:
            value = self.times[minute] = self.stored(T0 + timedelta(minutes=minute))
        return value

    def stored(self, when: datetime):
        return when


class SqliteStore(Store):
    def __init__(self, path: str):
        import sqlite3
        super().__init__(sqlite3.connect(path, isolation_level=None))
        for pragma in ("synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY", "foreign_keys=OFF",
                       "journal_mode=OFF"):  # the app's connections set WAL again
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("BEGIN")

    def set_aside(self) -> None:
        names = ", ".join(f"'{t}'" for t in TABLES)
        rows = self.conn.execute(f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                                 f"AND sql IS NOT NULL AND tbl_name IN ({names}) ORDER BY type").fetchall()
        for kind, name, sql in rows:
            self.conn.execute(f"DROP {kind.upper()} {name}")
            self.saved.append(sql)

    def write(self, table: str, columns: tuple[str, ...], rows) -> None:
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def stored(self, when: datetime):
        return when.strftime(SQLITE_TIME)

    def put_back(self) -> None:
        for sql in self.saved:  # indexes sort before triggers
            self.conn.execute(sql)
        self.conn.execute("INSERT INTO end_user_fts(end_user_fts) VALUES ('rebuild')")
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")

    def close(self) -> None:
        self.conn.close()


class PostgresStore(Store):
    placeholder = "%s"

    def __init__(self, url: str):
        import psycopg
        super().__init__(psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")))
        self.conn.execute("SET maintenance_work_mem = '1GB'")

    def set_aside(self) -> None:
        # Triggers: off for this session only (the server's superuser, as scripts/with-postgres.sh gives).
        self.conn.execute("SET session_replication_role = replica")
        rows = self.conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)", (list(TABLES),)).fetchall()
        for name, sql in rows:
            self.conn.execute(f"DROP INDEX {name}")
            self.saved.append(sql)

    def write(self, table: str, columns: tuple[str, ...], rows) -> None:
        with self.conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def put_back(self) -> None:
        for sql in self.saved:
            self.conn.execute(sql)
        for table in TABLES:
            self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        self.conn.execute("SET session_replication_role = origin")
        self.conn.commit()
        self.conn.autocommit = True
        self.conn.execute("VACUUM ANALYZE")

    def close(self) -> None:
        self.conn.close()


def open_store(url: str) -> Store:
    if url.startswith("sqlite"):
        return SqliteStore(url.split(":///", 1)[1])
    return PostgresStore(url)


def _people(store: Store, customer_id: int, count: int, first_id: int, latest: dict[int, int], now):
    blank = dict.fromkeys(PROFILE_FIELDS)
    for n in range(count):
        row, uids = person(n)
        text = compose(SimpleNamespace(**{**blank, **row}), [u.lower() for _, u in uids])
        minute = latest.get(n)
        yield (first_id + n, customer_id, row["firstname"], row["lastname"], row["customer_type"], row["customer_ref"],
               row["city"], row["country"], row["company"], text, now, now,
               None if minute is None else store.time(minute))


def _identifiers(customer_id: int, count: int, first_user: int, first_id: int):
    ident = first_id
    for n in range(count):
        for k, (kind, uid) in enumerate(person(n)[1]):
            yield ident, customer_id, first_user + n, kind, uid, uid.lower(), k == 0
            ident += 1


def _chunks(rows, size: int = BATCH):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load(url: str, big_id: int, small_id: int, channel_id: int, end_users: int, tickets: int) -> dict:
    """Write the rows; return the seconds each step took."""
    store, steps = open_store(url), {}
    started = time.perf_counter()
    owners, minutes, latest = ticket_plan(end_users, tickets)
    store.set_aside()
    first_user, first_uid = store.next_id("end_user"), store.next_id("end_user_uid")
    first_ticket, first_message = store.next_id("ticket"), store.next_id("ticket_message")
    now = store.stored(datetime.now(UTC).replace(tzinfo=None))  # naive UTC, as app/models stores
    user_columns = ("id", "customer_id", "firstname", "lastname", "customer_type", "customer_ref", "city", "country",
                    "company", "search_text", "created_at", "updated_at", "last_interaction_at")
    uid_columns = ("id", "customer_id", "end_user_id", "uid_type", "uid", "uid_lookup", "is_primary")
    small = 1000
    for customer_id, count, user0, uid0, plan in ((small_id, small, first_user, first_uid, {}),
                                                 (big_id, end_users, first_user + small, None, latest)):
        if uid0 is None:
            uid0 = store.next_id("end_user_uid")
        for chunk in _chunks(_people(store, customer_id, count, user0, plan, now)):
            store.write("end_user", user_columns, chunk)
        for chunk in _chunks(_identifiers(customer_id, count, user0, uid0)):
            store.write("end_user_uid", uid_columns, chunk)
    steps["end users and identifiers"] = time.perf_counter() - started

    def ticket_rows():
        for k, (n, minute) in enumerate(zip(owners, minutes)):
            when = store.time(minute)
            address = email(n)
            ref = customer_ref(n) if k % 5 == 0 else None  # some tickets name the person by customerRef too
            yield (first_ticket + k, big_id, channel_id, address, address.lower(), ref, f"Question {n}", "Open",
                   False, False, when, when)

    def message_rows():
        for k, minute in enumerate(minutes):
            yield first_message + k, big_id, first_ticket + k, "EndUser", "Hello, I need help", store.time(minute), False

    mark = time.perf_counter()
    for chunk in _chunks(ticket_rows()):
        store.write("ticket", ("id", "customer_id", "channel_id", "uid", "uid_lookup", "customer_ref", "subject",
                               "status", "is_closed", "is_spam", "created_date", "last_message_date"), chunk)
    for chunk in _chunks(message_rows()):
        store.write("ticket_message", ("id", "customer_id", "ticket_id", "sender", "body", "created_date",
                                       "is_escalated"), chunk)
    steps["tickets and messages"] = time.perf_counter() - mark
    mark = time.perf_counter()
    store.put_back()
    steps["indexes, triggers, FTS rebuild, ANALYZE"] = time.perf_counter() - mark
    check_last_interaction(store, big_id)
    store.close()
    steps["total"] = time.perf_counter() - started
    return steps


def check_last_interaction(store: Store, customer_id: int) -> None:
    """last_interaction_at as the triggers' own expression computes it, on 300 people."""
    expression = _migration_expression("end_user")
    cur = store.conn.cursor()
    cur.execute(f"SELECT id, last_interaction_at, {expression} FROM end_user WHERE customer_id = {store.placeholder} "
                f"ORDER BY id LIMIT 300", (customer_id,))
    wrong = [(i, a, b) for i, a, b in cur.fetchall() if a != b]
    assert not wrong, f"last_interaction_at differs from the triggers' expression: {wrong[:3]}"
