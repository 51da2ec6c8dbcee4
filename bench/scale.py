"""End users at scale, over HTTP: loads N end users (about 2.5 identifiers each) and M tickets with a
message each into a fresh database through the project's migrations (a SQL bulk load; the
triggers fill the FTS5 table and last_interaction_at as for any write), starts the project and a
bare-Flask anchor (bench/baseline_app.py) under gunicorn with 2 sync workers, and prints each
figure next to its goal (issue 10).

    .venv/bin/python bench/scale.py                          # 1 M end users, 2 M tickets, SQLite
    .venv/bin/python bench/scale.py --end-users 100000 --tickets 200000
    scripts/with-postgres.sh sh -c '.venv/bin/python bench/scale.py --database-url "$TEST_DATABASE_URL" --end-users 100000'

Flask-Admin is not measured: see the README (its figures in issue 10 were taken earlier over the
same rows). Growth 10 k -> N: run once with --end-users 10000 and compare the medians.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SWITCHBOARD_INSTANCE_DIR", tempfile.mkdtemp(prefix="switchboard-scale-"))

FIRST = ["emma", "lucas", "olivia", "noah", "mila", "liam", "louise", "arthur", "nina", "jules"]
LAST = ["peeters", "janssens", "maes", "jacobs", "mertens", "willems", "claes", "goossens", "wouters", "dubois"]
CITIES = ["antwerp", "ghent", "brussels", "leuven", "namur", "liege", "bruges"]
PASSWORD = "bench-password-1"
SORTS = ["endUserID", "firstname", "lastname", "company", "city", "country", "customerType", "customerRef",
         "lastInteractionDate"]


def person(n: int) -> tuple[dict, list[tuple[str, str]]]:
    first, last = FIRST[n % 10], f"{LAST[(n // 10) % 10]}{n}"
    uids = [("Email", f"{first}.{last}@example.com"), ("Phone", f"+3247{n:07d}")]
    if n % 2:
        uids.append(("WhatsApp", f"+3248{n:07d}"))
    row = {"firstname": first.title(), "lastname": last.title(), "customer_type": ("Lead", "Customer", "Partner")[n % 3],
           "customer_ref": f"ERP-{n:08d}" if n % 4 else None, "city": CITIES[n % 7].title(),
           "country": "BE" if n % 5 else None, "company": f"Company {n % 997}" if n % 3 else None}
    return row, uids


def load(app, end_users: int, tickets: int, batch: int = 5000) -> tuple[int, int]:
    from sqlalchemy import insert

    from app.actors import Actor
    from app.channels.models import Channel
    from app.customers.operations import create_customer
    from app.end_users.models import EndUser, EndUserUID
    from app.end_users.search_text import compose
    from app.extensions import db
    from app.tickets.models import Ticket, TicketMessage
    from app.unit_of_work import unit_of_work

    with app.app_context():
        with unit_of_work():
            big, _ = create_customer(Actor.cli("bench"), "Bench big", "bench@example.com", PASSWORD)
            small, _ = create_customer(Actor.cli("bench"), "Bench small", "small@example.com", PASSWORD)
            channel = Channel(customer_id=big.id, name="Mail", channel_type="Email")
            db.session.add(channel)
            db.session.flush()
            ids = (big.id, small.id, channel.id)
        big_id, small_id, channel_id = ids
        started = time.perf_counter()
        for customer_id, count in ((small_id, 1000), (big_id, end_users)):
            for start in range(0, count, batch):
                people = [person(n) for n in range(start, min(start + batch, count))]
                rows = [{**row, "customer_id": customer_id,
                         "search_text": compose(EndUser(**row), [u.lower() for _, u in uids])} for row, uids in people]
                new_ids = db.session.scalars(insert(EndUser).returning(EndUser.id), rows).all()
                db.session.execute(insert(EndUserUID), [
                    {"customer_id": customer_id, "end_user_id": i, "uid_type": kind, "uid": uid, "uid_lookup": uid.lower(),
                     "is_primary": k == 0}
                    for i, (_, uids) in zip(new_ids, people) for k, (kind, uid) in enumerate(uids)])
                db.session.commit()
        analyze(db)
        loaded_users = time.perf_counter() - started
        rng, t0 = random.Random(1), datetime(2026, 1, 1)
        for start in range(0, tickets, batch):
            rows = []
            for _ in range(start, min(start + batch, tickets)):
                n = rng.randrange(end_users * 2)  # half the tickets belong to nobody known
                _, uids = person(n)
                when = t0 + timedelta(minutes=rng.randrange(500_000))
                rows.append({"customer_id": big_id, "channel_id": channel_id, "uid": uids[0][1],
                             "uid_lookup": uids[0][1].lower(), "subject": f"Question {n}", "status": "Open",
                             "created_date": when, "last_message_date": when})
            new_ids = db.session.scalars(insert(Ticket).returning(Ticket.id), rows).all()
            db.session.execute(insert(TicketMessage), [
                {"customer_id": big_id, "ticket_id": i, "sender": "EndUser", "body": "Hello, I need help",
                 "created_date": r["created_date"]} for i, r in zip(new_ids, rows)])
            db.session.commit()
        analyze(db)
        print(f"# loaded {end_users:,} end users in {loaded_users:.0f} s and {tickets:,} tickets in "
              f"{time.perf_counter() - started - loaded_users:.0f} s ({db.engine.dialect.name})", flush=True)
        return big_id, small_id


def analyze(db) -> None:
    """Statistics for the planners after a bulk load (before the tickets too: their triggers' plans)."""
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE" if db.engine.dialect.name == "postgresql" else "PRAGMA optimize=0x10002")
        conn.commit()


def serve(module: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", module],
        cwd=ROOT, env={**os.environ, **env})
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{module} did not start")


class Client:
    def __init__(self, port: int, headers: dict | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = headers or {}

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes, dict]:
        self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        response = self.conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())

    def timed(self, path: str, runs: int, expect=200) -> list[float]:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            status, body, _ = self.request("GET", path)
            times.append((time.perf_counter() - started) * 1000)
            assert status == expect, (path, status, body[:300])
        return times


def _hammer(args) -> int:
    port, headers, paths, seconds = args
    client, done, deadline = Client(port, headers), 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        client.request("GET", paths[done % len(paths)])
        done += 1
    return done


def throughput(port: int, headers: dict, paths: list[str], seconds: float = 8, clients: int = 4) -> float:
    with multiprocessing.Pool(clients) as pool:
        return sum(pool.map(_hammer, [(port, headers, paths, seconds)] * clients)) / seconds


def pct(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100)[q - 1] if len(times) > 1 else times[0]


ROWS = []


def report(label: str, times: list[float], goal: str = "", ok: bool | None = None) -> None:
    p50, p95 = statistics.median(times), pct(times, 95)
    mark = "" if ok is None else (" ✓" if ok else " ✗")
    ROWS.append((label, f"{p50:.1f} / {p95:.1f} ms", goal + mark))
    print(f"| {label} | {p50:.1f} / {p95:.1f} ms | {goal}{mark} |", flush=True)


def dashboard_session(port: int) -> dict:
    client = Client(port)
    status, body, headers = client.request("GET", "/login")
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    token = re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', body)[1].decode()
    form = urlencode({"csrf_token": token, "email": "bench@example.com", "password": PASSWORD})
    status, _, headers = client.request("POST", "/login", form, {"Cookie": cookie,
                                                                "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, status
    return {"Cookie": headers["Set-Cookie"].split(";")[0]}


def deep_cursor(app, customer_id: int, depth: int) -> str:
    from sqlalchemy import select

    from app.end_users.models import EndUser
    from app.end_users.queries import sortable_columns
    from app.extensions import db
    from app.pagination import encode_cursor, ordering

    with app.test_request_context():
        key = sortable_columns()["lastname"]
        value, ident = db.session.execute(select(key, EndUser.id).where(EndUser.customer_id == customer_id)
                                          .order_by(*ordering(key, EndUser.id, False)).offset(depth).limit(1)).one()
        return encode_cursor("lastname", False, value, ident)


def national(digits: str) -> str:
    return f"{digits[:4]} {digits[4:6]} {digits[6:8]} {digits[8:]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--end-users", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=None, help="default: twice the end users")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--runs", type=int, default=40, help="requests per measured figure")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{os.environ['SWITCHBOARD_INSTANCE_DIR']}/scale.db"
    os.environ.update(DATABASE_URL=url, API_RATE_LIMIT="100000000 per minute", LOGIN_RATE_LIMIT="1000 per minute")
    from flask_migrate import upgrade

    from app import create_app
    app = create_app()
    with app.app_context():
        from app.extensions import db
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
    customer_id, _ = load(app, args.end_users, args.tickets if args.tickets is not None else 2 * args.end_users)

    project = serve("wsgi:app", 8761, {})
    baseline = serve("bench.baseline_app:app", 8762, {"BENCH_CUSTOMER_ID": str(customer_id)})
    try:
        status, body, _ = Client(8761).request("POST", "/api/Auth/login", json.dumps(
            {"email": "bench@example.com", "password": PASSWORD}), {"Content-Type": "application/json"})
        auth = {"Authorization": f"Bearer {json.loads(body)['token']}"}
        api, runs, rng = Client(8761, auth), args.runs, random.Random(2)
        first = json.loads(api.request("GET", "/api/EndUsers?pageSize=1")[1])["items"][0]["endUserID"]
        ids = [first + rng.randrange(args.end_users) for _ in range(200)]
        print(f"\n{args.end_users:,} end users, engine {url.split(':')[0]}; median / p95 of {runs} requests\n")
        print("| figure | project | goal / anchor |\n|---|---|---|")
        bare = throughput(8762, {}, [f"/u/{i}" for i in ids])
        ours = throughput(8761, auth, [f"/api/EndUsers/{i}" for i in ids])
        ROWS.append(("GET /api/EndUsers/{id} throughput", f"{ours:.0f} req/s", f"bare Flask /u/<id> {bare:.0f} req/s"))
        print(f"| GET /api/EndUsers/{{id}} throughput (4 clients) | {ours:.0f} req/s = {100 * ours / bare:.0f} % of "
              f"bare | ≥ 50 % of bare Flask /u/<id> {bare:.0f} req/s{' ✓' if ours >= bare / 2 else ' ✗'} |")
        one = [t for i in ids[:runs * 2] for t in api.timed(f"/api/EndUsers/{i}", 1)]
        p99 = pct(one, 99)
        report("GET /api/EndUsers/{id}, one at a time (p99 " + f"{p99:.1f} ms)", one, "p99 ≤ 10 ms", p99 <= 10)
        report("bare Flask /u/<id>, one at a time", [t for i in ids[:runs] for t in Client(8762).timed(f"/u/{i}", 1)])
        n = rng.randrange(args.end_users)
        report("byUid (e-mail, other case)", api.timed("/api/EndUsers/byUid?" + urlencode(
            {"uid": f"{FIRST[n % 10].upper()}.{LAST[(n // 10) % 10]}{n}@example.com"}), runs), "p95 ≤ 5 ms")
        m = rng.randrange(args.end_users)
        terms = [f"{LAST[(m // 10) % 10]}{m}", "louise claes", f"{FIRST[m % 10]}.{LAST[(m // 10) % 10]}{m}",
                 f"erp-{m // 100:06d}", f"+3247{m:07d}", national(f"047{m:07d}"), "antwerp", "company 99"]
        for term in terms:
            times = api.timed("/api/EndUsers?" + urlencode({"search": term}), runs)
            report(f"search `{term}` (first page with totalCount)", times, "p95 ≤ 50 ms", pct(times, 95) <= 50)
        for sort in SORTS:
            for order in ("asc", "desc"):
                times = api.timed(f"/api/EndUsers?sortBy={sort}&sortOrder={order}", runs // 2)
                report(f"list page 1 sortBy={sort} {order}", times, "p95 ≤ 50 ms", pct(times, 95) <= 50)
        depth = min(499_990, args.end_users // 2)
        cursor = deep_cursor(app, customer_id, depth)
        times = api.timed(f"/api/EndUsers?sortBy=lastname&cursor={cursor}", runs)
        report(f"list by cursor at row {depth:,} (sortBy=lastname)", times, "p95 ≤ 50 ms", pct(times, 95) <= 50)
        number = depth // 10 + 1
        report(f"list pageNumber={number:,} (sortBy=lastname, OFFSET)", api.timed(
            f"/api/EndUsers?sortBy=lastname&pageNumber={number}", max(5, runs // 4)), "no goal (cursor is the fast path)")
        web = Client(8761, dashboard_session(8761))
        times = web.timed("/end-users/", runs)
        report("dashboard /end-users/ (10 rows)", times, "p95 ≤ 100 ms", pct(times, 95) <= 100)
        report(f"dashboard /end-users/?pageNumber={number:,}", web.timed(f"/end-users/?pageNumber={number}",
                                                                         max(5, runs // 4)), "no goal")
        times = web.timed(f"/end-users/?sortBy=lastname&cursor={cursor}", runs)
        report("dashboard next page by cursor at the same depth", times, "p95 ≤ 100 ms", pct(times, 95) <= 100)
    finally:
        for process in (project, baseline):
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
