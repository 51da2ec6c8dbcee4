"""Races: bursts of colliding requests against gunicorn with several sync workers on loopback.
Every race must answer 409 (or the form's error), never 500. Prints the status codes per kind
and in total, next to the goal of no 500 at all.

    .venv/bin/python bench/races.py                       # 360 requests: 5 kinds x 6 bursts x 12
    .venv/bin/python bench/races.py --bursts 20 --burst 12 --workers 4
    scripts/with-postgres.sh sh -c 'DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/races.py'

Runs against a fresh SQLite database in a temporary folder unless DATABASE_URL is set (then that
database is migrated and given a new tenant). The kinds, each burst sent at once behind a barrier:

  topic     N x POST /api/Topics with one name                 (one 201, the rest 409)
  channel   N x POST /api/Channels with one name               (one 201, the rest 409)
  secret    N x PUT /api/Customers/me setting the unset openAIApiKey   (204 or 409)
  delete    DELETE /api/Actions/{id} against N-1 x POST /api/TopicActions to it
                                                               (201, 204, 409, 400)
  end-user  N dashboard sessions x POST /end-users/new with one e-mail (one 302, the rest 400)

The server's log is kept in the temporary folder; the exceptions behind the 500s are summed up.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from loopback import free_port, wait_for  # bench/loopback.py

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "race-bench-password"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
KINDS = ("topic", "channel", "secret", "delete", "end-user")


class Caller:
    """One caller: a bearer token (API) or a signed-in cookie session with its CSRF token."""

    def __init__(self, port: int, token: str | None = None):
        self.port = port
        self.token = token
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    def connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.connect()
        return conn

    def call(self, method, path, payload=None, form=None, conn=None):
        """(status, headers, body text)."""
        headers, body = {}, None
        if payload is not None:
            body, headers["Content-Type"] = json.dumps(payload).encode(), "application/json"
        elif form is not None:
            body = urlencode({"csrf_token": self.csrf or "", **form}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        own = conn is None
        conn = conn or self.connect()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            if own:
                conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        if response.headers.get_content_type() == "text/html" and (found := CSRF.search(text)):
            self.csrf = found.group(1)
        return response.status, response.headers, text

    def ok(self, method, path, payload=None, expect=200) -> dict:
        status, _, text = self.call(method, path, payload)
        if status != expect:
            raise RuntimeError(f"{method} {path}: {status} {text[:300]}")
        return json.loads(text) if text else {}


def login(port: int, email: str) -> str:
    return Caller(port).ok("POST", "/api/Auth/login", {"email": email, "password": PASSWORD})["token"]


def dashboard_session(port: int, email: str) -> Caller:
    session = Caller(port)
    session.call("GET", "/login")
    status, _, text = session.call("POST", "/login", form={"email": email, "password": PASSWORD})
    if status != 302:
        raise RuntimeError(f"dashboard login: {status} {text[:300]}")
    session.call("GET", "/end-users/new")
    return session


def burst(calls) -> list:
    """[(caller, method, path, payload, form)] sent at once; the statuses ("ERR" for no answer)."""
    barrier = threading.Barrier(len(calls))
    statuses = [None] * len(calls)

    def run(index, caller, method, path, payload, form):
        conn = None
        try:
            conn = caller.connect()
            barrier.wait(timeout=60)
            statuses[index] = caller.call(method, path, payload, form, conn=conn)[0]
        except Exception as exc:  # noqa: BLE001
            barrier.abort()
            statuses[index] = f"ERR {type(exc).__name__}"
        finally:
            if conn is not None:
                conn.close()

    threads = [threading.Thread(target=run, args=(i, *call), daemon=True) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return [s if s is not None else "ERR timeout" for s in statuses]


def prepare(env: dict) -> str:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    slug = uuid.uuid4().hex[:8]
    email = f"admin@race-{slug}.example.com"
    subprocess.run([*flask, "create-customer", "--name", f"Race tenant {slug}", "--admin-email", email,
                    "--admin-password", PASSWORD], cwd=ROOT, env=env, check=True, capture_output=True)
    return email


def run_races(port: int, email: str, bursts: int, size: int) -> dict[str, Counter]:
    token = login(port, email)
    admin = Caller(port, token)
    api = lambda: Caller(port, token)  # noqa: E731  (one caller per racing thread)
    with ThreadPoolExecutor(4) as pool:
        sessions = list(pool.map(lambda _: dashboard_session(port, email), range(size)))
    results = {kind: Counter() for kind in KINDS}
    for n in range(bursts):
        tag = f"{n}-{uuid.uuid4().hex[:6]}"
        results["topic"].update(burst([(api(), "POST", "/api/Topics", {"name": f"Topic {tag}"}, None)
                                       for _ in range(size)]))
        results["channel"].update(burst([(api(), "POST", "/api/Channels", {"name": f"Channel {tag}",
                                                                           "channelType": "Email"}, None)
                                         for _ in range(size)]))

        admin.ok("PUT", "/api/Customers/me", {"openAIApiKey": ""}, expect=204)  # unset before each burst
        results["secret"].update(burst([(api(), "PUT", "/api/Customers/me", {"openAIApiKey": f"sk-{tag}-{i}"}, None)
                                        for i in range(size)]))

        action = admin.ok("POST", "/api/Actions", {"name": f"Close {tag}", "actionType": "Close"}, 201)["actionID"]
        topics = [admin.ok("POST", "/api/Topics", {"name": f"Linked {tag}.{i}"}, 201)["topicID"]
                  for i in range(size - 1)]
        calls = [(api(), "POST", "/api/TopicActions", {"topicID": t, "actionID": action}, None) for t in topics]
        calls.insert(n % size, (api(), "DELETE", f"/api/Actions/{action}", None, None))
        results["delete"].update(burst(calls))

        email_uid = f"race-{tag}@example.com"
        results["end-user"].update(burst([(s, "POST", "/end-users/new", None, {
            "firstname": f"Racer{i}", "lastname": f"Burst {n}", "customerType": "Lead",
            "uids-0-uidType": "Email", "uids-0-uid": email_uid, "primary": "0"}) for i, s in enumerate(sessions)]))
    return results


EXCEPTION_LINE = re.compile(r"^(?:[a-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit)\b")
RECORDS = (  # the log records that carry a traceback, and who wrote them
    (re.compile(r"Unhandled error on (\S+ \S+)"), "logged by the app"),
    (re.compile(r"Exception on (\S+) \[(\w+)\]"), "the error page itself failed (Flask)"),
    (re.compile(r"Error handling request (\S+ \S+)"), "escaped the app: gunicorn's bare 500 (gunicorn)"),
)


def _final_exception(lines: list[str]) -> str:
    """The last exception of a traceback chain."""
    last = ""
    for line in lines:
        if EXCEPTION_LINE.match(line):
            last = line
    return last[:200]


def exceptions_in(log: Path) -> Counter:
    """(request, who logged it, final exception) of every traceback in the server log."""
    found, record = Counter(), []

    def close(record):
        if not record:
            return
        for pattern, who in RECORDS:
            if match := pattern.search(record[0]):
                request = " ".join(reversed(match.groups())) if len(match.groups()) == 2 else match[1]
                request = re.sub(r"/\d+", "/{id}", request)
                found[(request, who, _final_exception(record[1:]))] += 1

    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("["):  # a new log record (app or gunicorn); tracebacks never start with "["
            if not line.startswith(("[SQL", "[parameters")):
                close(record)
                record = []
        record.append(line)
    close(record)
    return found


def print_table(results: dict[str, Counter], engine: str, workers: int, bursts: int, size: int) -> None:
    total = sum(results.values(), Counter())
    columns = sorted(total, key=lambda s: (isinstance(s, str), s))
    print(f"engine={engine} workers={workers} requests={sum(total.values())} "
          f"({len(results)} kinds x {bursts} bursts x {size})")
    header = f"{'kind':<10}" + "".join(f"{str(c):>7}" for c in columns)
    print(header + "   goal")
    print("-" * (len(header) + 20))
    for kind, counts in [*results.items(), ("total", total)]:
        if kind == "total":
            print("-" * (len(header) + 20))
        print(f"{kind:<10}" + "".join(f"{counts.get(c, 0):>7}" for c in columns)
              + f"   500s: {counts.get(500, 0)} (goal: 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync worker processes")
    parser.add_argument("--bursts", type=int, default=6, help="bursts per kind")
    parser.add_argument("--burst", type=int, default=12, help="requests per burst (threads behind one barrier)")
    parser.add_argument("--log", type=Path, help="keep the server log here (default: summed up, then deleted)")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="switchboard-races-"))
    env = {**os.environ, "SWITCHBOARD_INSTANCE_DIR": str(instance), "API_RATE_LIMIT": "1000000 per minute",
           "LOGIN_RATE_LIMIT": "100000 per minute"}
    env.setdefault("DATABASE_URL", f"sqlite:///{instance / 'races.db'}")
    engine = env["DATABASE_URL"].split(":", 1)[0]
    email = prepare(env)
    port = free_port()
    log = args.log or instance / "server.log"
    try:
        with open(log, "w") as log_file:
            server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.workers),
                                       "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
                                       "--log-level", "warning", "wsgi:app"],
                                      cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
            try:
                wait_for(port)
                started = time.monotonic()
                results = run_races(port, email, args.bursts, args.burst)
                elapsed = time.monotonic() - started
            finally:
                server.terminate()
                server.wait(15)
        print_table(results, engine, args.workers, args.bursts, args.burst)
        print(f"seconds={elapsed:.1f}")
        exceptions = exceptions_in(log)
        if exceptions:
            print("exceptions in the server log, per request:")
            for (request, who, exception), n in sorted(exceptions.items()):
                print(f"  {n:>4} x {request}, {who}:\n         {exception}")
    finally:
        shutil.rmtree(instance, ignore_errors=True)

if __name__ == "__main__":
    main()
