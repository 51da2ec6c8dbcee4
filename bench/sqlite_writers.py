"""SQLite writers: many concurrent reorders against gunicorn with several sync workers on loopback.
Every reorder must succeed; a lock that outlasts the 10 s busy timeout is a failure (a 500 before
the write pipeline rework, a 503 with Retry-After after it). Prints the status codes, how many
failed on "database is locked", the latency and the wall time, next to the goal of no failure.

    .venv/bin/python bench/sqlite_writers.py                          # 16 writers, 4,000 reorders, 4 workers
    .venv/bin/python bench/sqlite_writers.py --reorders 2000 --workers 2 --threads 4
    .venv/bin/python bench/sqlite_writers.py --app-dir /work/wt-before  # the same run on an older checkout

`--app-dir` names the checkout whose app is served (default: the one this script lives in); the
setup uses only what every checkout has, the CLI (db upgrade, create-customer) and the HTTP API,
so one script measures before and after a change. Runs against a fresh SQLite database in a
temporary folder unless DATABASE_URL is set (then that database is migrated and given a new tenant).

Setup, through the API: one tenant, `--links` Close actions and one topic per writer, each topic
linked to every action with POST /api/TopicActions/bulk: one TopicAction list per writer, so the
writers never conflict logically, only on the database's write lock. Then each writer thread sends
POST /api/TopicActions/reorder {"ids": [...shuffled...]} on its own list, one connection per
request, until `--reorders` are done in total. A 409 StaleList cannot happen (each writer owns
its list); it is counted if it does, and the writer goes on from `currentOrder`.

The server's log is kept in the temporary folder; the lock errors and other exceptions in it are
summed up.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from loopback import free_port, wait_for  # bench/loopback.py

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "sqlite-writers-password"
REORDER = "/api/TopicActions/reorder"
LOCKED = re.compile(r"database is (?:locked|busy)", re.IGNORECASE)


def call(port: int, method: str, path: str, payload=None, token: str | None = None):
    """(status, headers, body text); one connection per request (sync workers close it anyway)."""
    headers, body = {}, None
    if payload is not None:
        body, headers["Content-Type"] = json.dumps(payload).encode(), "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def ok(port: int, method: str, path: str, payload=None, token=None, expect=200):
    status, _, text = call(port, method, path, payload, token)
    if status != expect:
        raise RuntimeError(f"{method} {path}: {status} {text[:300]}")
    return json.loads(text) if text else {}


def describe(app_dir: Path) -> str:
    """The checkout's commit, marked when its work tree has uncommitted changes."""
    def git(*args) -> str:
        return subprocess.run(["git", "-C", str(app_dir), *args], check=False, capture_output=True,
                              text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "no git"
    return commit + (" + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def prepare(app_dir: Path, env: dict) -> str:
    """Migrate, check that the app imported is the one in app_dir, create the tenant; its admin's e-mail."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    where = subprocess.run([sys.executable, "-c", "import app; print(app.__file__)"], cwd=app_dir, env=env,
                           check=True, capture_output=True, text=True).stdout.strip()
    if Path(where).resolve() != (app_dir / "app" / "__init__.py").resolve():
        raise SystemExit(f"the app package imported from {app_dir} is {where}")
    subprocess.run([*flask, "db", "upgrade"], cwd=app_dir, env=env, check=True, capture_output=True)
    slug = uuid.uuid4().hex[:8]
    email = f"admin@writers-{slug}.example.com"
    created = subprocess.run([*flask, "create-customer", "--name", f"Writers tenant {slug}", "--admin-email", email,
                              "--admin-password", PASSWORD], cwd=app_dir, env=env, check=True,
                             capture_output=True, text=True)
    json.loads(created.stdout.strip().splitlines()[-1])["customerID"]  # the CLI answered with the new tenant
    return email


def make_lists(port: int, token: str, writers: int, links: int) -> list[list[int]]:
    """One TopicAction list per writer: a topic linked to each of `links` actions; the ids in order."""
    tag = uuid.uuid4().hex[:6]
    actions = [ok(port, "POST", "/api/Actions", {"name": f"Close {tag}.{i}", "actionType": "Close"}, token, 201)
               ["actionID"] for i in range(links)]
    lists = []
    for w in range(writers):
        topic = ok(port, "POST", "/api/Topics", {"name": f"Writer {tag}.{w}"}, token, 201)["topicID"]
        created = ok(port, "POST", "/api/TopicActions/bulk", [{"topicID": topic, "actionID": a} for a in actions],
                     token, 201)
        lists.append([link["topicActionID"] for link in created])
    return lists


class Tickets:
    """The reorders still to send, shared by the writers."""

    def __init__(self, total: int):
        self.left = total
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def writer(port: int, token: str, ids: list[int], tickets: Tickets, seed: int, results: list) -> None:
    """Reorder its own list until no ticket is left; (seconds, status, title, Retry-After) per request."""
    rng = random.Random(seed)
    ids = list(ids)
    local = []
    while tickets.take():
        order = ids[:]
        rng.shuffle(order)
        started = time.perf_counter()
        try:
            status, headers, text = call(port, "POST", REORDER, {"ids": order}, token)
        except Exception as exc:  # noqa: BLE001  (no answer: connection reset, timeout)
            local.append((time.perf_counter() - started, f"ERR {type(exc).__name__}", str(exc)[:120], None))
            continue
        elapsed = time.perf_counter() - started
        title = ""
        if status >= 300:
            try:
                body = json.loads(text)
                title = str(body.get("title", ""))
            except ValueError:
                body, title = {}, text[:120]
            if status == 409 and "currentOrder" in body:
                title, ids = "StaleList: " + title, body["currentOrder"]
        else:
            ids = order
        local.append((elapsed, status, title, headers.get("Retry-After") if status in (429, 503) else None))
    results.extend(local)  # list.extend is atomic


EXCEPTION_LINE = re.compile(r"^(?:[a-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit)\b")
REQUEST = re.compile(r"(?:Unhandled error on|Database locked on|Error handling request) (\S+ \S+)"
                     r"|Exception on (\S+) \[(\w+)\]")


def log_records(log: Path) -> list[list[str]]:
    """The server log cut into records (app or gunicorn): each a first line and its traceback."""
    records = []
    for line in log.read_text(errors="replace").splitlines():
        if not records or (line.startswith("[") and not line.startswith(("[SQL", "[parameters"))):
            records.append([])
        records[-1].append(line)
    return records


def summarize_log(log: Path) -> tuple[int, Counter]:
    """(lock errors on the reorder route, Counter of (request, last line) of every other error record)."""
    locked, other = 0, Counter()
    for record in log_records(log):
        head = record[0]
        match = REQUEST.search(head)
        request = "" if match is None else match[1] or f"{match[3]} {match[2]}"
        final = next((line for line in reversed(record[1:]) if EXCEPTION_LINE.match(line)), "")
        if (LOCKED.search(final) or "Database locked on" in head) and request.endswith(REORDER):
            locked += 1
            continue
        if final or "WORKER TIMEOUT" in head or "Unhandled error" in head or "Database locked" in head:
            other[(request or head[:120], (final or head)[:200])] += 1
    return locked, other


def percentile(values, q):
    return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else (values[0] if values else 0)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def print_table(results: list, locked_in_log: int, elapsed: float, header: str, reorders: int) -> None:
    statuses = Counter(r[1] for r in results)
    failed = [r for r in results if not (isinstance(r[1], int) and r[1] < 500)]
    locked_answers = sum(1 for r in failed if LOCKED.search(r[2]) or "busy" in r[2].lower())
    latencies = sorted(r[0] for r in results)
    print(header)
    rows = [("reorders sent", f"{len(results)}", f"{reorders}")]
    for status in sorted(statuses, key=lambda s: (isinstance(s, str), s)):
        retry = {r[3] for r in results if r[1] == status and r[3]}
        label = f"status {status}" + (f" (Retry-After: {', '.join(sorted(retry))})" if retry else "")
        rows.append((label, f"{statuses[status]}", "0" if status == 409 else ""))
    rows += [
        ("failed (5xx or no answer)", f"{len(failed)}", "failed: 0"),
        ("  'database is locked' (server log)", f"{locked_in_log}", "0"),
        ("  503 'database is busy' (answer)", f"{locked_answers}", "0"),
        ("latency p50", ms(percentile(latencies, 50)), ""),
        ("latency p95", ms(percentile(latencies, 95)), ""),
        ("latency max", ms(latencies[-1] if latencies else 0), "(busy timeout: 10 s)"),
    ]
    if failed:
        waits = sorted(r[0] for r in failed)
        rows.append(("failed requests waited", f"{ms(waits[0])} .. {ms(waits[-1])}", ""))
    rows += [("wall time", f"{elapsed:.1f} s", ""), ("reorders per second", f"{len(results) / elapsed:.1f}", "")]
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'':<{width}}{'figure':>16}   goal")
    print("-" * (width + 45))
    for label, figure, goal in rows:
        print(f"{label:<{width}}{figure:>16}   {goal}")
    titles = Counter((r[1], r[2]) for r in failed + [r for r in results if r[1] == 409])
    if titles:
        print("answers other than 200 (status, title):")
        for (status, title), n in titles.most_common():
            print(f"  {n:>5} x {status} {title}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to serve (default: %(default)s)")
    parser.add_argument("--writers", type=int, default=16, help="writer threads, one list each")
    parser.add_argument("--reorders", type=int, default=4000, help="reorders in total")
    parser.add_argument("--links", type=int, default=10, help="links per list")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (more than 1: gthread workers)")
    parser.add_argument("--log", type=Path, help="keep the server log here (default: summed up, then deleted)")
    args = parser.parse_args()
    app_dir = args.app_dir.resolve()

    instance = Path(tempfile.mkdtemp(prefix="switchboard-writers-"))
    env = {**os.environ, "SWITCHBOARD_INSTANCE_DIR": str(instance), "API_RATE_LIMIT": "1000000 per minute",
           "LOGIN_RATE_LIMIT": "100000 per minute"}
    env.setdefault("DATABASE_URL", f"sqlite:///{instance / 'writers.db'}")
    engine = env["DATABASE_URL"].split(":", 1)[0]
    worker_class = "sync" if args.threads == 1 else "gthread"
    port = free_port()
    log = args.log or instance / "server.log"
    try:
        email = prepare(app_dir, env)
        with open(log, "w") as log_file:
            server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.workers),
                                       "--worker-class", worker_class, "--threads", str(args.threads),
                                       "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                                      cwd=app_dir, env=env, stdout=log_file, stderr=subprocess.STDOUT)
            try:
                wait_for(port)
                token = ok(port, "POST", "/api/Auth/login", {"email": email, "password": PASSWORD})["token"]
                lists = make_lists(port, token, args.writers, args.links)
                tickets, results = Tickets(args.reorders), []
                threads = [threading.Thread(target=writer, args=(port, token, ids, tickets, n, results), daemon=True)
                           for n, ids in enumerate(lists)]
                load_before, started = os.getloadavg()[0], time.monotonic()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed, load_after = time.monotonic() - started, os.getloadavg()[0]
            finally:
                server.terminate()
                server.wait(15)
        locked, other = summarize_log(log)
        print_table(results, locked, elapsed,
                    f"app={app_dir} ({describe(app_dir)})\n"
                    f"engine={engine} workers={args.workers} ({worker_class}, {args.threads} thread(s)) "
                    f"writers={args.writers} lists={len(lists)} x {args.links} links reorders={args.reorders}\n"
                    f"load average (1 min) {load_before:.1f} at the start, {load_after:.1f} at the end "
                    f"({os.cpu_count()} cores)",
                    args.reorders)
        if other:
            print("other errors in the server log, per request:")
            for (request, final), n in sorted(other.items()):
                print(f"  {n:>5} x {request}:\n          {final}")
        if args.log:
            print(f"server log: {log}")
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
