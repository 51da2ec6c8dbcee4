"""API rate limits per token, with X-RateLimit-* headers, shared between processes through Redis."""
import inspect
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_limit_is_per_token_with_headers_and_retry_after(app, api, tenant_a):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        admin, agent = api(tenant_a.admin), api(tenant_a.agent)
        first = admin.get("/api/Actions/available")
        assert first.status_code == 200
        assert first.headers["X-RateLimit-Limit"] == "3"
        assert first.headers["X-RateLimit-Remaining"] == "2"
        assert "X-RateLimit-Reset" in first.headers
        assert [admin.get("/api/Actions/available").status_code for _ in range(2)] == [200, 200]
        over = admin.get("/api/Actions/available")
        assert over.status_code == 429
        assert over.mimetype == "application/problem+json"
        assert int(over.headers["Retry-After"]) > 0
        assert agent.get("/api/Actions/available").status_code == 200
    finally:
        app.config["API_RATE_LIMIT"] = "100000 per minute"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def _call(url, payload=None, headers=None):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def redis_url():
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(server):
        pytest.fail("redis-server is missing: run `make test`, which installs it")
    port = _free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


class RedisRoundTrips:
    """Requests the Redis server has read from its clients (a script call is one, whatever it runs
    inside), not counting the INFO that asks: each is a round trip of an app process."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)

    def __call__(self) -> int:
        return self.client.info("stats")["total_reads_processed"] - 1  # minus this INFO's own read


def test_two_app_processes_share_one_limit_through_redis(redis_url):
    instance = Path(tempfile.mkdtemp(prefix="switchboard-redis-"))
    env = {**os.environ, "SWITCHBOARD_ENV": "development", "SWITCHBOARD_INSTANCE_DIR": str(instance),
           "DATABASE_URL": f"sqlite:///{instance / 'shared.db'}", "RATELIMIT_STORAGE_URI": redis_url,
           "API_RATE_LIMIT": "5 per minute", "LOGIN_RATE_LIMIT": "100 per minute"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "create-customer", "--name", "Shared", "--admin-email", "a@shared.example.com",
                    "--admin-password", "pw-shared-1"], cwd=ROOT, env=env, check=True, capture_output=True)
    ports = [_free_port(), _free_port()]
    servers = [subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", str(p)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in ports]
    try:
        for port in ports:
            _wait_for(port)
        _, body = _call(f"http://127.0.0.1:{ports[0]}/api/Auth/login",
                        {"email": "a@shared.example.com", "password": "pw-shared-1"})
        assert "token" in body, body
        headers = {"Authorization": f"Bearer {body['token']}"}
        for port in ports:  # each process opens its Redis connection (not a round trip per request)
            assert _call(f"http://127.0.0.1:{port}/api/Actions/available")[0] == 401
        reads, statuses, round_trips = RedisRoundTrips(redis_url), [], []
        for i in range(6):
            before = reads()
            statuses.append(_call(f"http://127.0.0.1:{ports[i % 2]}/api/Actions/available", headers=headers)[0])
            round_trips.append(reads() - before - 1)  # minus the read of the first INFO
        assert statuses == [200, 200, 200, 200, 200, 429]
        assert round_trips == [1] * 6  # the limiter's one incr (a script call), headers and 429 included
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        shutil.rmtree(instance, ignore_errors=True)


# ---- One storage round trip per request ---------------------------------------------------------

class StorageCalls:
    """Counts the calls the limiter makes on its real storage object (each one a round trip on
    Redis); calls a storage method makes on itself are part of the outer call."""

    def __init__(self, storage):
        self.storage, self.calls, self._depth, self._saved = storage, [], 0, []

    def _wrap(self, name, method):
        def counted(*args, **kwargs):
            if self._depth == 0:
                self.calls.append(name)
            self._depth += 1
            try:
                return method(*args, **kwargs)
            finally:
                self._depth -= 1
        return counted

    def __enter__(self):
        for name in dir(type(self.storage)):
            if name.startswith("_") or not callable(inspect.getattr_static(type(self.storage), name)):
                continue
            self._saved.append(name)
            setattr(self.storage, name, self._wrap(name, getattr(self.storage, name)))
        return self

    def __exit__(self, *exc):
        for name in self._saved:
            delattr(self.storage, name)  # the class's method shows again


def test_an_api_request_makes_one_storage_call_with_its_headers(app, api, tenant_a):
    from app.extensions import limiter

    app.config["API_RATE_LIMIT"] = "2 per minute"
    try:
        admin = api(tenant_a.admin)
        answers = []
        for _ in range(3):
            with StorageCalls(limiter.storage) as counter:
                answers.append(admin.get("/api/Actions/available"))
            assert counter.calls == ["incr"], counter.calls
    finally:
        app.config["API_RATE_LIMIT"] = "100000 per minute"
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    reset = int(answers[0].headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61
    assert answers[2].mimetype == "application/problem+json" and 0 < int(answers[2].headers["Retry-After"]) <= 61
