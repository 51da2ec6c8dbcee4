"""API rate limits per token, with X-RateLimit-* headers, shared between processes through Redis."""
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


def _wait_for(port: int, server: subprocess.Popen, timeout: float = 90) -> None:
    """Until the server listens (a flask run can take a minute on a loaded CI machine); a server
    that exited fails at once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server for port {port} exited with {server.returncode}")
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
        _wait_for(port, proc)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


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
        for port, server in zip(ports, servers):
            _wait_for(port, server)
        _, body = _call(f"http://127.0.0.1:{ports[0]}/api/Auth/login",
                        {"email": "a@shared.example.com", "password": "pw-shared-1"})
        assert "token" in body, body
        headers = {"Authorization": f"Bearer {body['token']}"}
        statuses = [_call(f"http://127.0.0.1:{ports[i % 2]}/api/Actions/available", headers=headers)[0]
                    for i in range(6)]
        assert statuses == [200, 200, 200, 200, 200, 429]
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        shutil.rmtree(instance, ignore_errors=True)
