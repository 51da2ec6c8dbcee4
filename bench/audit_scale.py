"""The audit trail at scale: fills a fresh database with N audit events across 2 tenants and times
what the app runs on it: GET /api/AuditEvents page 1 (with its totalCount) unfiltered and with each
filter, the per-record history, and the retention prune of 10 % of the rows.

    .venv/bin/python bench/audit_scale.py                     # SQLite in a temporary file, N = 1,000,000
    .venv/bin/python bench/audit_scale.py --events 200000 --explain
    bash scripts/with-postgres.sh sh -c 'DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/audit_scale.py'

Three measurements per list query, all in the same run and database:
  - at 10k events (the database early in its life: the first 10,000 events, about a week),
  - at N events (two years of events; tenant A holds 75 %, B 25 %),
  - "before": at N events with the indexes as they were before the audit_indexes migration
    (alembic downgrade to 4f2a9c1d7e3b, then upgrade again), the baseline for what it buys.
Each figure is the median and p95 of --runs runs (after one warm-up) of the app's own code:
app.audit.api.filtered_events + app.pagination.paginate (COUNT and page); "count" is the COUNT
alone. The prune runs app.audit.operations.prune_audit_batch in one unit_of_work per batch, as
`flask --app wsgi prune-audit` does; its runs are its batches ("before": five batches on the old
indexes, whose rows are put back). --explain prints every query plan
(SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN ANALYZE).

The database must hold no customers yet: the prune spans tenants.
"""
import argparse
import bisect
import itertools
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_TMP = tempfile.mkdtemp(prefix="switchboard-audit-bench-")
os.environ.setdefault("SWITCHBOARD_INSTANCE_DIR", _TMP)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP}/audit.db")

from flask import request  # noqa: E402
from flask_migrate import downgrade, upgrade  # noqa: E402
from sqlalchemy import event, func, insert, select, text  # noqa: E402
from sqlalchemy.exc import DBAPIError  # noqa: E402

from app import create_app  # noqa: E402
from app.actors import Actor  # noqa: E402
from app.audit.api import SORTABLE  # noqa: E402

try:  # the Activity pages move the list's filters next to their other reads
    from app.audit.queries import filtered_events  # noqa: E402
except ImportError:
    from app.audit.api import filtered_events  # noqa: E402
from app.audit.forms import AuditEventQuery  # noqa: E402
from app.audit.models import AuditEvent  # noqa: E402
from app.audit.operations import prune_audit_batch  # noqa: E402
from app.audit.serializers import AUDIT_EVENT  # noqa: E402
from app.customers.models import Customer  # noqa: E402
from app.customers.operations import create_customer  # noqa: E402
from app.extensions import db  # noqa: E402
from app.jsonforms import validate_query  # noqa: E402
from app.pagination import page_query, paginate  # noqa: E402
from app.timeutil import utcnow  # noqa: E402
from app.unit_of_work import unit_of_work  # noqa: E402
from config import DevelopmentConfig  # noqa: E402

# The revision before migrations/versions/2026_12_01_2000_8e347c119062_audit_indexes.py: the baseline.
BEFORE = "4f2a9c1d7e3b"
GOAL_MS = 50
CAPPED_COUNT = 10_001
PRUNE_GOAL_MS = 500  # per batch: the longest a writer waits behind the prune
SPAN = timedelta(days=730)
SMALL = 10_000

# entityType: (share of events, how many records of that type a tenant has)
ENTITIES = {"EndUser": (40, 30_000), "TopicAction": (15, 1_000), "Action": (10, 300), "Ticket": (6, 50_000),
            "HookAction": (5, 300), "Topic": (5, 100), "Customer": (5, 1), "Representative": (5, 50),
            "Document": (5, 2_000), "Channel": (4, 30), "AIModel": (0.05, 20)}
FIELDS = {"EndUser": ("lastname", "firstname", "city", "customerType", "uids"),
          "TopicAction": ("priority", "topicID", "channelID"), "Action": ("name", "description", "isActive"),
          "Ticket": ("status", "subject", "isClosed"), "HookAction": ("priority", "hookName"),
          "Topic": ("name", "description", "isActive"), "Customer": ("twilioRegion", "openAIApiKey", "name"),
          "Representative": ("name", "roles", "isActive"), "Document": ("title", "isActive"),
          "Channel": ("name", "channelType", "isActive"), "AIModel": ("name", "isActive")}
WORDS = ("billing", "refund", "Antwerp", "Ghent", "priority", "Lead", "Customer", "weekend", "escalate", "spam")
REPS = 20


class Generator:
    """Events in time order (ids grow with occurred_at, as in the app), deterministic per seed."""

    def __init__(self, total: int, tenants: tuple[int, int], end):
        self.rng, self.total, self.tenants = random.Random(42), total, tenants
        self.start, self.step = end - SPAN, SPAN.total_seconds() / total
        self.types = list(ENTITIES)
        self.type_cum = list(itertools.accumulate(ENTITIES[t][0] for t in self.types))
        self.rep_cum = list(itertools.accumulate(1 / (n + 1) for n in range(REPS)))  # a few busy representatives

    def rows(self, first: int, last: int) -> list[dict]:
        rng, rows, rand = self.rng, [], self.rng.random
        for n in range(first, last):
            tenant = self.tenants[0] if rand() < 0.75 else self.tenants[1]
            kind = self.types[bisect.bisect(self.type_cum, rand() * self.type_cum[-1])]
            ident = tenant if kind == "Customer" else 1 + int(rand() * ENTITIES[kind][1])
            roll = rand()
            if kind in ("TopicAction", "HookAction") and roll < 0.2:
                action = "Reorder"
            else:
                action = "Create" if roll < 0.3 else "Delete" if roll > 0.9 else "Update"
            who = rand()
            if who < 0.85:
                rep = bisect.bisect(self.rep_cum, rand() * self.rep_cum[-1]) + 1
                actor = ("Representative", str(rep), f"Agent {rep}")
            elif who < 0.90:
                actor = ("PhoneChannel", str(1 + int(rand() * 5)), "phone channel")
            elif who < 0.95:
                actor = ("Job", f"import-{1 + int(rand() * 9)}", "nightly import")
            elif who < 0.98:
                actor = ("Cli", ("create-representative", "demo")[rand() < 0.5], "command line")
            else:
                actor = ("System", None, "Switchboard")
            if action == "Reorder":
                order = rng.sample(range(1, 400), 6)
                changes = {"order": {"from": sorted(order), "to": order}}
            else:
                fields = FIELDS[kind]
                changes = {field: {"from": None if action == "Create" else WORDS[int(rand() * 10)],
                                   "to": None if action == "Delete" else f"{WORDS[int(rand() * 10)]} {n % 997}"}
                           for field in fields[:1 + int(rand() * len(fields))]}
            snapshot = {f: WORDS[int(rand() * 10)] for f in FIELDS[kind]} if action in ("Delete", "Reorder") else None
            rows.append({
                "customer_id": tenant, "occurred_at": self.start + timedelta(seconds=int((n + rand()) * self.step)),
                "actor_type": actor[0], "actor_id": actor[1], "actor_name": actor[2], "action": action,
                "entity_type": kind, "entity_id": ident, "entity_label": f"{kind} {ident}", "changes": changes,
                "snapshot": snapshot, "revertible": action in ("Update", "Delete", "Reorder"),
            })
        return rows


def fill(gen: Generator, first: int, last: int, batch: int = 10_000) -> None:
    for start in range(first, last, batch):
        db.session.execute(insert(AuditEvent.__table__), gen.rows(start, min(start + batch, last)))
        db.session.commit()


def analyze() -> None:
    """Fresh statistics (and on PostgreSQL the visibility map autovacuum would have set)."""
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # VACUUM marks a page all-visible (so a COUNT reads the index only) once the inserts'
            # commits are flushed; scripts/with-postgres.sh runs with synchronous_commit=off.
            try:
                conn.execute(text("CHECKPOINT"))
            except DBAPIError:
                pass  # not allowed for this user: the figures may then include heap fetches
            conn.execute(text("VACUUM ANALYZE audit_event"))


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class Plans:
    """Captures the plan of every statement the app's code sends while active."""

    def __init__(self, engine):
        self.active, self.lines = False, []
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS OFF) "

        @event.listens_for(engine, "before_cursor_execute")
        def _explain(_conn, cursor, statement, parameters, _context, executemany):
            if not self.active or executemany or not statement.lstrip().upper().startswith(("SELECT", "DELETE")):
                return
            self.active = False  # the EXPLAIN itself is not explained
            try:
                cursor.execute(prefix + statement, parameters)
                rows = cursor.fetchall()
            finally:
                self.active = True
            self.lines.append(" ".join(statement.split())[:240])
            self.lines.extend("    " + " | ".join(str(c) for c in row[-1:]) if len(row) > 1 else "    " + str(row[0])
                              for row in rows)

    def capture(self, fn) -> list[str]:
        self.lines, self.active = [], True
        try:
            fn()
        finally:
            self.active = False
        return self.lines


def queries(customer_id: int, latest, hot_action: int, end_user: int) -> list[tuple[str, dict]]:
    week = {"from": (latest - timedelta(days=7)).isoformat() + "Z", "to": latest.isoformat() + "Z"}
    month = {"from": (latest - timedelta(days=400)).isoformat() + "Z",
             "to": (latest - timedelta(days=370)).isoformat() + "Z"}
    return [
        ("page 1, no filter", {}),
        ("entityType=EndUser (40 %)", {"entityType": "EndUser"}),
        ("entityType=Channel (4 %)", {"entityType": "Channel"}),
        ("entityType=AIModel (0.05 %)", {"entityType": "AIModel"}),
        ("history: the Customer (5 %)", {"entityType": "Customer", "entityId": customer_id}),
        (f"history: Action #{hot_action}", {"entityType": "Action", "entityId": hot_action}),
        (f"history: EndUser #{end_user}", {"entityType": "EndUser", "entityId": end_user}),
        ("actor: Representative 1 (busiest)", {"actorType": "Representative", "actorId": "1"}),
        ("actorType=Cli (3 %)", {"actorType": "Cli"}),
        ("action=Delete (10 %)", {"action": "Delete"}),
        ("action=Reorder (4 %)", {"action": "Reorder"}),
        ("date range: the last 7 days", week),
        ("date range: 30 days, a year ago", month),
    ]


def run_query(app, customer_id: int, args: dict, runs: int, plans: Plans | None):
    """(list p50, p95, count p50, capped count p50, rows on page, total, plan lines) of one GET /api/AuditEvents."""
    with app.test_request_context("/api/AuditEvents?" + urlencode(args)):
        page = page_query(SORTABLE, "occurredAt", "desc")
        stmt = filtered_events(customer_id, validate_query(AuditEventQuery, request.args))

        def listing():
            rows, total = paginate(stmt, page, SORTABLE, AuditEvent.id)
            [AUDIT_EVENT.dump(e) for e in rows]
            return len(rows), total

        def count():  # paginate's own COUNT, alone
            return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))

        def capped_count():  # what a COUNT capped at 10,001 ("10,000+") would take instead
            return db.session.scalar(select(func.count()).select_from(
                stmt.with_only_columns(AuditEvent.id).order_by(None).limit(CAPPED_COUNT).subquery()))

        def timed(fn):
            fn()  # warm-up
            db.session.rollback()
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                fn()
                times.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
                db.session.expunge_all()
            return percentiles(times)

        shown, total = listing()
        db.session.rollback()
        plan = plans.capture(listing) if plans else []
        db.session.rollback()
        (p50, p95), (c50, _), (k50, _) = timed(listing), timed(count), timed(capped_count)
    return p50, p95, c50, k50, shown, total, plan


def prune(cutoff, batch_size: int, max_batches: int | None = None) -> tuple[list[float], int]:
    actor, times, deleted = Actor.cli("audit-bench"), [], 0
    while max_batches is None or len(times) < max_batches:
        started = time.perf_counter()
        with unit_of_work():
            count = prune_audit_batch(actor, cutoff, batch_size)
        times.append((time.perf_counter() - started) * 1000)
        deleted += count
        if count < batch_size:
            break
    return times, deleted


def nth_time(n: int):
    return db.session.scalar(select(AuditEvent.occurred_at).order_by(AuditEvent.occurred_at, AuditEvent.id)
                             .offset(n).limit(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--explain", action="store_true", help="print the plan of every query at N events")
    args = parser.parse_args()
    small = min(SMALL, args.events)

    app = create_app(DevelopmentConfig)
    with app.app_context():
        engine = db.engine
        upgrade()
        if db.session.scalar(select(func.count()).select_from(Customer)):
            sys.exit("bench/audit_scale.py needs a database without customers (its prune spans tenants).")
        stamp = time.time_ns()
        tenants = tuple(create_customer(Actor.cli("audit-bench"), f"Audit bench {name} {stamp}",
                                        f"bench-{name.lower()}-{stamp}@bench.example.com", "pw")[0].id
                        for name in ("A", "B"))
        db.session.commit()
        # The bench's own rows only: the customers' own Create events are removed (they are "now").
        db.session.execute(AuditEvent.__table__.delete())
        db.session.commit()
        version = db.session.scalar(text("SELECT sqlite_version()" if engine.dialect.name == "sqlite"
                                         else "SHOW server_version"))
        gen = Generator(args.events, tenants, utcnow())
        plans = Plans(engine)
        results = {}

        def measure(column: str, explain: bool = False):
            analyze()
            latest = db.session.scalar(select(func.max(AuditEvent.occurred_at)))
            db.session.rollback()
            for label, params in queries(tenants[0], latest, 7, 4242):
                p50, p95, c50, k50, shown, total, plan = run_query(app, tenants[0], params, args.runs,
                                                                   plans if explain else None)
                results.setdefault(label, {})[column] = (p50, p95, c50, k50, total)
                if explain:
                    print(f"\n-- [{column}] {label}: {total} events, {shown} on page 1")
                    print("\n".join(plan))

        def explain_prune(title, cutoff):
            if args.explain:
                print(f"\n-- [{title}] prune, one batch")
                print("\n".join(plans.capture(lambda: prune_audit_batch(Actor.cli("x"), cutoff, args.batch_size))))
                db.session.rollback()

        def migrate_to(revision: str | None):
            db.session.remove()
            (downgrade(revision=revision) if revision else upgrade())
            analyze()

        print(f"engine={engine.dialect.name} {version}  events={args.events:,}  tenants: A 75 %, B 25 %  "
              f"runs={args.runs}")
        started = time.perf_counter()
        fill(gen, 0, small)
        measure("10k")
        fill(gen, small, args.events)
        print(f"filled {args.events:,} events in {time.perf_counter() - started:.0f} s")
        measure("N", explain=args.explain)
        cutoff = nth_time(args.events // 10)
        db.session.rollback()

        # Baseline: the indexes before the audit_indexes migration, at the same N. Five prune
        # batches run on them; their rows are put back afterwards.
        started = time.perf_counter()
        migrate_to(BEFORE)
        print(f"downgraded to {BEFORE} in {time.perf_counter() - started:.0f} s")
        measure("before", explain=args.explain)
        saved = [dict(row) for row in db.session.execute(
            select(AuditEvent.__table__).where(AuditEvent.occurred_at < cutoff)
            .order_by(AuditEvent.occurred_at, AuditEvent.id).limit(5 * args.batch_size)).mappings()]
        db.session.rollback()
        explain_prune("before", cutoff)
        base_times, _ = prune(cutoff, args.batch_size, max_batches=5)
        for first in range(0, len(saved), 10_000):
            db.session.execute(insert(AuditEvent.__table__), saved[first:first + 10_000])
        db.session.commit()
        started = time.perf_counter()
        migrate_to(None)
        print(f"upgraded again in {time.perf_counter() - started:.0f} s")

        # The prune of 10 %: as prune-audit does it, one unit of work per batch.
        explain_prune("N", cutoff)
        started = time.perf_counter()
        prune_times, pruned = prune(cutoff, args.batch_size)
        prune_total = time.perf_counter() - started
        db.session.remove()
        engine.dispose()
    shutil.rmtree(_TMP, ignore_errors=True)  # the temporary SQLite file and development keys

    print(f"\nGET /api/AuditEvents of tenant A: page 1 (10 events) with its totalCount, in ms. 'count': the COUNT "
          f"alone; 'capped': a COUNT capped at {CAPPED_COUNT:,} instead; 'before': the indexes of {BEFORE}. "
          f"Goal: p95 <= {GOAL_MS} ms at N = {args.events:,}")
    header = (f"{'query':<36} {'events':>7} | {'10k p50':>7} {'p95':>6} | {'N p50':>6} {'p95':>6} {'count':>6} "
              f"{'capped':>6} | {'before p50':>10} {'p95':>6} | goal")
    print(header)
    print("-" * len(header))
    for label, by in results.items():
        s, n, b = by["10k"], by["N"], by["before"]
        verdict = "ok" if n[1] <= GOAL_MS else "MISSED"
        print(f"{label:<36} {n[4]:>7} | {s[0]:>7.1f} {s[1]:>6.1f} | {n[0]:>6.1f} {n[1]:>6.1f} {n[2]:>6.1f} "
              f"{n[3]:>6.1f} | {b[0]:>10.1f} {b[1]:>6.1f} | {verdict}")
    p50, p95 = percentiles(prune_times)
    b50, b95 = percentiles(base_times)
    print(f"\nprune of 10 %: {pruned:,} events in {len(prune_times)} batches of {args.batch_size:,} "
          f"(one transaction each), {prune_total:.1f} s; per batch p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
          f"max {max(prune_times):.0f} ms; goal p95 <= {PRUNE_GOAL_MS} ms: "
          f"{'ok' if p95 <= PRUNE_GOAL_MS else 'MISSED'}")
    print(f"  before: p50 {b50:.0f} ms, p95 {b95:.0f} ms per batch ({len(base_times)} batches)")


if __name__ == "__main__":
    main()
