"""Load test: a mixed workload of dashboard pages and API calls from several tenants against
gunicorn on loopback. Bounded in time; prints requests per second, p50/p95/p99 and errors.

    .venv/bin/python bench/load_test.py --seconds 20 --clients 8 --workers 2
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/load_test.py

Runs against a fresh SQLite database in a temporary folder unless DATABASE_URL is set (then that
database is migrated and given the demo tenant plus extra tenants).
"""
import argparse
import http.cookiejar
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
import urllib.error
import urllib.request
from pathlib import Path

from loopback import free_port, wait_for  # bench/loopback.py

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password"


class Session:
    """One simulated person: an API token and a signed-in dashboard cookie jar."""

    def __init__(self, base: str, email: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        status, body = self.call("POST", "/api/Auth/login", {"email": email, "password": PASSWORD})
        assert status == 200, (status, body)
        self.token = json.loads(body)["token"]
        _, page = self.call("GET", "/login", api=False)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": csrf, "email": email, "password": PASSWORD}).encode()
        self.opener.open(urllib.request.Request(base + "/login", data=form), timeout=30).read()

    def call(self, method, path, payload=None, api=True):
        data = json.dumps(payload).encode() if payload is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        if api and getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


WORKLOAD = [
    # (weight, method, path, is_api)
    (3, "GET", "/", False),
    (3, "GET", "/end-users/", False),
    (2, "GET", "/end-users/?search=an", False),
    (2, "GET", "/actions/", False),
    (4, "GET", "/api/EndUsers?pageSize=20", True),
    (3, "GET", "/api/EndUsers?search=peeters", True),
    (2, "GET", "/api/EndUsers/byUid?uid=someone@example.com", True),
    (3, "GET", "/api/Actions", True),
    (2, "GET", "/api/Actions/available", True),
    (2, "GET", "/api/Customers/me", True),
    (1, "GET", "/api/Customers/models", True),
    (2, "GET", "/api/HookActions?hookName=PostTopicDetection", True),
]


def run_client(session: Session, until: float, results: list, lock: threading.Lock, seed: int) -> None:
    rng = random.Random(seed)
    choices = [w for w in WORKLOAD for _ in range(w[0])]
    local = []
    while time.monotonic() < until:
        _, method, path, is_api = rng.choice(choices)
        started = time.perf_counter()
        status, _ = session.call(method, path, api=is_api)
        local.append((time.perf_counter() - started, status, path))
    with lock:
        results.extend(local)


def prepare(env: dict, tenants: int) -> list[str]:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    emails = []
    for n in range(tenants):
        email = f"admin@load{n}.example.com"
        result = subprocess.run([*flask, "create-customer", "--name", f"Load tenant {n}", "--admin-email", email,
                                 "--admin-password", PASSWORD], cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode == 0:
            emails.append(email)
    demo = subprocess.run([*flask, "create-representative", "--customer-id", "1", "--email", "load@demo.example.com",
                           "--password", PASSWORD, "--role", "Admin"], cwd=ROOT, env=env, capture_output=True)
    if demo.returncode == 0:
        emails.append("load@demo.example.com")
    return emails


def percentile(values, q):
    return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else (values[0] if values else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--tenants", type=int, default=3)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="switchboard-load-"))
    env = {**os.environ, "SWITCHBOARD_INSTANCE_DIR": str(instance), "API_RATE_LIMIT": "1000000 per minute",
           "LOGIN_RATE_LIMIT": "100000 per minute"}
    env.setdefault("DATABASE_URL", f"sqlite:///{instance / 'load.db'}")
    engine = env["DATABASE_URL"].split(":", 1)[0]
    emails = prepare(env, args.tenants)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--threads", "4",
                               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                              cwd=ROOT, env=env)
    try:
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        sessions = [Session(base, emails[i % len(emails)]) for i in range(args.clients)]
        results, lock = [], threading.Lock()
        until = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [threading.Thread(target=run_client, args=(s, until, results, lock, i)) for i, s in enumerate(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(15)
        shutil.rmtree(instance, ignore_errors=True)

    latencies = sorted(r[0] * 1000 for r in results)
    errors = [r for r in results if r[1] >= 400]
    print(f"engine={engine} workers={args.workers} clients={args.clients} seconds={elapsed:.1f}")
    print(f"requests={len(results)} rps={len(results) / elapsed:.1f}")
    print(f"p50={percentile(latencies, 50):.1f}ms p95={percentile(latencies, 95):.1f}ms p99={percentile(latencies, 99):.1f}ms")
    print(f"errors={len(errors)}")
    for latency, status, path in errors[:10]:
        print(f"  {status} {path}")


if __name__ == "__main__":
    import urllib.parse  # noqa: F401  (used by Session)

    main()
