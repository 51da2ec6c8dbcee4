"""End users at scale, over HTTP (issue 10): for each size (default 10,000 then 1,000,000 end users,
two tickets each with one message), a fresh database through the project's migrations, a SQL
bulk load (bench/scale_load.py), then the project, a bare-Flask anchor (bench/baseline_app.py)
and Flask-Admin over the same rows (bench/flask_admin_app.py) under gunicorn with 2 sync workers
each, and every figure printed next to its goal, its anchor and ✓/✗; last, the growth from the
first size to the last.

    .venv/bin/python bench/scale.py --database sqlite           # make bench-scale
    .venv/bin/python bench/scale.py --database postgresql       # make bench-scale DATABASE=postgresql
    .venv/bin/python bench/scale.py --sizes 20000 --tickets-per-user 1

PostgreSQL without --database-url runs under scripts/with-postgres.sh (a throwaway server).
The SQLite files are deleted at the end unless --workdir names where to keep (and reuse) them; the
throwaway PostgreSQL server is deleted too.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("SWITCHBOARD_INSTANCE_DIR", tempfile.mkdtemp(prefix="switchboard-scale-"))

from loopback import free_port, wait_for  # bench/loopback.py
from scale_load import FIRST, LAST, customer_ref, load

PASSWORD = "bench-password-1"
SORTS = ["endUserID", "firstname", "lastname", "company", "city", "country", "customerType", "customerRef",
         "lastInteractionDate"]
RESULTS: list[dict] = []


def serve(module: str, env: dict, access_log: str | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = ["--access-logfile", access_log, "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"] if access_log else []
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                "--timeout", "900", "--log-level", "warning", *log, module], cwd=ROOT, env={**os.environ, **env})
    wait_for(port, 60)
    return process, port


class Client:
    def __init__(self, port: int, headers: dict | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.headers = headers or {}

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes, dict]:
        self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        response = self.conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())

    def timed(self, paths, runs: int, expect=200, budget: float = float("inf")) -> list[float]:
        """ms per request; `paths` is one path or a list taken in turn. Stops early (after one
        request at least) once `budget` seconds are spent: Flask-Admin takes seconds at 1 M rows."""
        paths = [paths] if isinstance(paths, str) else paths
        times = []
        for k in range(runs):
            if times and sum(times) > budget * 1000:
                break
            started = time.perf_counter()
            status, body, _ = self.request("GET", paths[k % len(paths)])
            times.append((time.perf_counter() - started) * 1000)
            assert status == expect, (paths[k % len(paths)], status, body[:300])
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


def pct(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1] if len(times) > 1 else times[0]


def stats(times: list[float]) -> dict:
    return {"p50": statistics.median(times), "p95": pct(times, 95), "p99": pct(times, 99), "n": len(times)}


def record(key: str, label: str, figure: str, goal: str = "", anchor: str = "", ok: bool | None = None,
           values: dict | None = None, growth: bool = False) -> None:
    mark = "" if ok is None else ("✓" if ok else "✗")
    RESULTS.append({"key": key, "label": label, "figure": figure, "goal": goal, "anchor": anchor, "ok": ok,
                    "values": values or {}, "growth": growth})
    print(f"| {label} | {figure} | {goal} | {anchor} | {mark} |", flush=True)


def ms(s: dict, p99: bool = False) -> str:
    return f"{s['p50']:.1f} / {s['p95']:.1f}" + (f" / {s['p99']:.1f}" if p99 else "") + " ms"


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


def cursor_at(app, customer_id: int, depth: int) -> str:
    """The nextCursor the list gives after row `depth` sorted by lastname (as a client paging there holds)."""
    from sqlalchemy import select

    from app.end_users.models import EndUser
    from app.end_users.queries import sortable_columns
    from app.extensions import db
    from app.pagination import encode_cursor, ordering

    with app.test_request_context():
        key = sortable_columns()["lastname"]
        value, ident = db.session.execute(select(key, EndUser.id).where(EndUser.customer_id == customer_id)
                                          .order_by(*ordering(key, EndUser.id, False)).offset(depth - 1).limit(1)).one()
        return encode_cursor("lastname", False, value, ident)


def national(n: int) -> str:
    digits = f"047{n:07d}"
    return f"{digits[:4]} {digits[4:6]} {digits[6:8]} {digits[8:]}"


def migrated(url: str, fresh: bool = False):
    """The app over `url`, its schema at the latest migration (an empty one when `fresh`)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from config import config_from_env

    os.environ["DATABASE_URL"] = url  # for the gunicorn servers started later
    app = create_app(type("BenchConfig", (config_from_env(),), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        if fresh and db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        db.session.remove()
        db.engine.dispose()
    return app


def fresh_database(url: str):
    """Migrate an empty database and create the two tenants; the bulk load follows."""
    from app.actors import Actor
    from app.channels.models import Channel
    from app.customers.operations import create_customer
    from app.extensions import db
    from app.unit_of_work import unit_of_work

    app = migrated(url, fresh=True)
    with app.app_context():
        with unit_of_work():
            big, _ = create_customer(Actor.cli("bench"), "Bench big", "bench@example.com", PASSWORD)
            small, _ = create_customer(Actor.cli("bench"), "Bench small", "small@example.com", PASSWORD)
            channel = Channel(customer_id=big.id, name="Mail", channel_type="Email")
            db.session.add(channel)
            db.session.flush()
            ids = big.id, small.id, channel.id
        db.session.remove()
        db.engine.dispose()
    return app, ids


def measure(app, url: str, customer_id: int, end_users: int, runs: int, workdir: str) -> None:
    access_log = os.path.join(workdir, "access.log")
    env = {"BENCH_CUSTOMER_ID": str(customer_id)}
    servers = [serve("wsgi:app", {}, access_log), serve("bench.baseline_app:app", env),
               serve("bench.flask_admin_app:app", env)]
    (_, port), (_, bare_port), (_, admin_port) = servers
    try:
        _measure(app, customer_id, end_users, runs, port, bare_port, admin_port, access_log)
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait()


def _measure(app, customer_id, end_users, runs, port, bare_port, admin_port, access_log) -> None:
    _, body, _ = Client(port).request("POST", "/api/Auth/login", json.dumps(
        {"email": "bench@example.com", "password": PASSWORD}), {"Content-Type": "application/json"})
    auth = {"Authorization": f"Bearer {json.loads(body)['token']}"}
    api, bare, admin, rng = Client(port, auth), Client(bare_port), Client(admin_port), random.Random(2)
    first = json.loads(api.request("GET", "/api/EndUsers?sortBy=endUserID&pageSize=1")[1])["items"][0]["endUserID"]
    ids = [first + rng.randrange(end_users) for _ in range(300)]
    slow = max(3, runs // 10)  # Flask-Admin and OFFSET pages: seconds each at a million rows

    print("| figure | project p50 / p95 (/ p99) | goal | anchor in this run | |\n|---|---|---|---|---|")
    bare_paths, our_paths = [f"/u/{i}" for i in ids], [f"/api/EndUsers/{i}" for i in ids]
    throughput(bare_port, {}, bare_paths, seconds=2)  # warm-up: a worker's first requests compile
    throughput(port, auth, our_paths, seconds=2)      # its statements and fill its caches
    bare_rps = throughput(bare_port, {}, bare_paths)
    ours_rps = throughput(port, auth, our_paths)
    record("throughput", "GET /api/EndUsers/{id} throughput, 4 clients", f"{ours_rps:.0f} req/s "
           f"({100 * ours_rps / bare_rps:.0f} %)", "≥ 50 % of bare Flask", f"bare Flask /u/<id> {bare_rps:.0f} req/s",
           ours_rps >= bare_rps / 2, {"rps": ours_rps, "bare": bare_rps})
    one = stats(api.timed([f"/api/EndUsers/{i}" for i in ids], 300))
    bare_one = stats(bare.timed([f"/u/{i}" for i in ids], 300))
    record("get", "GET /api/EndUsers/{id}, one at a time", ms(one, True), "p99 ≤ 10 ms",
           f"bare Flask {ms(bare_one, True)}", one["p99"] <= 10, one, growth=True)
    people = [rng.randrange(end_users) for _ in range(runs)]
    by_uid = stats(api.timed(["/api/EndUsers/byUid?" + urlencode(
        {"uid": f"{FIRST[n % 10].upper()}.{LAST[(n // 10) % 10]}{n}@Example.com"}) for n in people], runs * 2))
    record("byuid", "GET /api/EndUsers/byUid (e-mail in another case)", ms(by_uid, True), "p95 ≤ 5 ms", "",
           by_uid["p95"] <= 5, by_uid, growth=True)

    m = rng.randrange(end_users)
    while not customer_ref(m):
        m += 1
    last = f"{LAST[(m // 10) % 10]}{m}"
    terms = [last, "louise claes", f"{FIRST[m % 10]}.{last}", customer_ref(m), f"+3247{m:07d}", national(m),
             "antwerp", "company 99"]
    for k, term in enumerate(terms):  # keyed by position: the terms name size-dependent people
        ours = stats(api.timed("/api/EndUsers?" + urlencode({"search": term}), runs, budget=30))
        theirs = stats(admin.timed("/admin/enduser/?" + urlencode({"search": term}), slow, budget=15))
        faster = theirs["p50"] / ours["p50"]
        record(f"search {k}", f"search `{term}` (page 1 with totalCount)", ms(ours),
               "p95 ≤ 50 ms, ≥ 20x Flask-Admin", f"Flask-Admin {theirs['p50']:.0f} ms ({faster:.0f}x)",
               ours["p95"] <= 50 and faster >= 20, ours, growth=True)

    admin_first = stats(admin.timed("/admin/enduser/", slow * 2))
    for sort in SORTS:
        for order in ("asc", "desc"):
            ours = stats(api.timed(f"/api/EndUsers?sortBy={sort}&sortOrder={order}", runs // 2))
            faster = admin_first["p50"] / ours["p50"]
            record(f"page1 {sort} {order}", f"list page 1 sortBy={sort} {order}", ms(ours),
                   "p95 ≤ 50 ms, ≥ 4x Flask-Admin", f"Flask-Admin first page {admin_first['p50']:.0f} ms "
                   f"({faster:.1f}x)", ours["p95"] <= 50 and faster >= 4, ours, growth=True)

    depth = min(499_990, end_users // 2)
    number = depth // 10 + 1
    cursor = cursor_at(app, customer_id, depth)
    admin_deep = stats(admin.timed(f"/admin/enduser/?sort=1&page={number - 1}", slow, budget=30))
    ours = stats(api.timed(f"/api/EndUsers?sortBy=lastname&cursor={cursor}", runs))
    record("cursor", f"list page {number:,} by cursor (sortBy=lastname)", ms(ours), "p95 ≤ 50 ms",
           f"Flask-Admin sorted page {number:,} (OFFSET {depth:,}) {admin_deep['p50']:.0f} ms", ours["p95"] <= 50,
           ours, growth=True)
    ours = stats(api.timed(f"/api/EndUsers?sortBy=lastname&pageNumber={number}", slow, budget=30))
    record("offset", f"list pageNumber={number:,} (sortBy=lastname, OFFSET)", ms(ours),
           "no goal (the cursor is the fast path)", f"Flask-Admin {admin_deep['p50']:.0f} ms", None, ours)

    web = Client(port, dashboard_session(port))
    ours = stats(web.timed("/end-users/", runs))
    record("dashboard", "dashboard /end-users/ (10 rows)", ms(ours), "p95 ≤ 100 ms",
           f"Flask-Admin first page {admin_first['p50']:.0f} ms", ours["p95"] <= 100, ours, growth=True)
    ours = stats(web.timed(f"/end-users/?sortBy=lastname&cursor={cursor}", runs))
    record("dashboard cursor", f"dashboard page {number:,} by cursor", ms(ours), "p95 ≤ 100 ms", "",
           ours["p95"] <= 100, ours, growth=True)
    ours = stats(web.timed(f"/end-users/?pageNumber={number}", slow, budget=30))
    record("dashboard offset", f"dashboard /end-users/?pageNumber={number:,}", ms(ours), "no goal", "", None, ours)

    server = reorder_times(api, access_log, runs)
    record("reorder", "50-link reorder, server time (gunicorn %(D)s)", ms(server), "p95 ≤ 30 ms", "",
           server["p95"] <= 30, server)


def reorder_times(api: Client, access_log: str, runs: int) -> dict:
    """50 Wait actions linked to one hook, then `runs` reorders; their time inside gunicorn."""
    ids = []
    for k in range(50):
        status, body, _ = api.request("POST", "/api/Actions", json.dumps(
            {"name": f"Wait {k}", "actionType": "Wait", "waitSeconds": 1, "isActive": True}),
            {"Content-Type": "application/json"})
        assert status == 201, body[:300]
        ids.append(json.loads(body)["actionID"])
    hook = next(h for h in ("OnClose", "OnEscalate", "PreSpam", "PostSpam", "OnEndUserAdd", "UserTriggered")
                if json.loads(api.request("GET", f"/api/HookActions?hookName={h}")[1])["totalCount"] == 0)
    status, body, _ = api.request("POST", "/api/HookActions/bulk", json.dumps(  # (a reused database has
        [{"hookName": hook, "actionID": i} for i in ids]), {"Content-Type": "application/json"})  # earlier lists)
    assert status == 201, body[:300]
    links, rng = [link["hookActionID"] for link in json.loads(body)], random.Random(3)
    size_before = os.path.getsize(access_log)
    for _ in range(runs):
        rng.shuffle(links)
        status, body, _ = api.request("POST", "/api/HookActions/reorder", json.dumps({"ids": links}),
                                      {"Content-Type": "application/json"})
        assert status == 200, body[:300]
    time.sleep(0.5)  # gunicorn writes its access log after the answer
    with open(access_log) as log:
        log.seek(size_before)
        times = [int(line.split()[3]) / 1000 for line in log if "/reorder " in line and " 200 " in line]
    assert len(times) == runs, len(times)
    return stats(times)


def growth_table(sizes: list[int], by_size: dict[int, list[dict]]) -> None:
    small, big = sizes[0], sizes[-1]
    before = {r["key"]: r for r in by_size[small]}
    print(f"\n### growth {small:,} -> {big:,} end users (p50; goal ≤ 2x)\n")
    print(f"| figure | {small:,} | {big:,} | ratio | |\n|---|---|---|---|---|")
    for row in by_size[big]:
        if not row["growth"] or row["key"] not in before:
            continue
        a, b = before[row["key"]]["values"]["p50"], row["values"]["p50"]
        print(f"| {row['label']} | {a:.1f} ms | {b:.1f} ms | {b / a:.2f}x | {'✓' if b / a <= 2 else '✗'} |")


def database_for(server_url: str, size: int) -> str:
    """PostgreSQL: one database per size on that server (NAME_SIZE, created when missing)."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(server_url)
    name = f"{base.database}_{size}"
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


def load_average() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def run(args) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    by_size = {}
    workdir = args.workdir or tempfile.mkdtemp(prefix="switchboard-scale-run-")
    os.makedirs(workdir, exist_ok=True)
    try:
        for size in sizes:
            url = database_for(args.database_url, size) if args.database_url else f"sqlite:///{workdir}/scale-{size}.db"
            tickets = round(size * args.tickets_per_user)
            marker = Path(workdir, f"scale-{size}.loaded")
            if marker.exists():  # --workdir: a database loaded by an earlier run
                app, (big, small, channel) = migrated(url), json.loads(marker.read_text())
                print(f"\n## {size:,} end users, {tickets:,} tickets ({url.split(':')[0].split('+')[0]}, loaded "
                      f"earlier); {load_average()}", flush=True)
            else:
                app, (big, small, channel) = fresh_database(url)
                print(f"\n## {size:,} end users, {tickets:,} tickets ({url.split(':')[0].split('+')[0]}); "
                      f"{load_average()}", flush=True)
                steps = load(url, big, small, channel, size, tickets)
                marker.write_text(json.dumps([big, small, channel]))
                print("load: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in steps.items()), flush=True)
            if args.load_only:
                continue
            print(f"measuring, {load_average()}\n", flush=True)
            RESULTS.clear()
            measure(app, url, big, size, args.runs, workdir)
            by_size[size] = list(RESULTS)
            print(f"\nend of {size:,}: {load_average()}", flush=True)
        if len(by_size) > 1:
            growth_table(sizes, by_size)
        if args.json:
            Path(args.json).write_text(json.dumps({str(k): v for k, v in by_size.items()}, indent=1))
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (a database URL): each size gets its own database NAME_SIZE there")
    parser.add_argument("--sizes", default="10000,1000000", help="end users per run, comma-separated")
    parser.add_argument("--tickets-per-user", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=40, help="requests per measured figure")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    parser.add_argument("--load-only", action="store_true", help="time the load, measure nothing")
    parser.add_argument("--workdir", default=None, help="keep the SQLite files (and which databases are loaded) "
                        "here, and measure again those loaded before")
    args = parser.parse_args()
    if args.database == "postgresql" and not args.database_url:
        if "TEST_DATABASE_URL" not in os.environ:  # start a throwaway server and come back through it
            os.execv(str(ROOT / "scripts" / "with-postgres.sh"),
                     [str(ROOT / "scripts" / "with-postgres.sh"), sys.executable, *sys.argv])
        args.database_url = os.environ["TEST_DATABASE_URL"]
    os.environ.update(API_RATE_LIMIT="100000000 per minute", LOGIN_RATE_LIMIT="1000 per minute")
    run(args)


if __name__ == "__main__":
    main()
