"""What an API key costs per request, against a representative's JWT, in the same run and database.

    .venv/bin/python bench/api_key_auth.py             # SQLite in a temporary file
    bash scripts/with-postgres.sh sh -c 'DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/api_key_auth.py'

Times GET /api/Topics (a small list) through the app's test client --requests times each way:
with a JWT (the baseline: signature check plus the representative's row), with an API key whose
lastUsedAt is fresh (one indexed read by hash), and with a key whose lastUsedAt is always older
than a minute (the read plus the stamp's own small transaction after the request). Goal: a key
costs no more than 1 ms per request over the JWT, and the stamp is paid at most once a minute.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_TMP = tempfile.mkdtemp(prefix="switchboard-key-bench-")
os.environ.setdefault("SWITCHBOARD_INSTANCE_DIR", _TMP)

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import update  # noqa: E402

from app import create_app  # noqa: E402
from app.actors import Actor  # noqa: E402
from app.api_keys.models import ApiKey  # noqa: E402
from app.api_keys.operations import create_api_key  # noqa: E402
from app.customers.operations import create_customer  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestConfig  # noqa: E402

GOAL_MS = 1.0


def _timed(client, headers, runs, before=None) -> list[float]:
    times = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        response = client.get("/api/Topics", headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{_TMP}/bench.db")

    app = create_app(Config)
    with app.app_context():
        upgrade()
        customer, _ = create_customer(Actor.cli("bench"), "Bench", "admin@bench.example.com", "bench password 1", 1)
        _, key = create_api_key(customer.id, Actor.cli("bench"), "Bench", ["actions:read"], None)
        db.session.commit()
    client = app.test_client()
    token = client.post("/api/Auth/login", json={"email": "admin@bench.example.com",
                                                 "password": "bench password 1"}).get_json()["token"]

    def stale():
        with app.app_context():
            db.session.execute(update(ApiKey).values(last_used_at=None))
            db.session.commit()

    results = {}
    for name, headers, before in (("JWT (baseline)", {"Authorization": f"Bearer {token}"}, None),
                                  ("API key", {"Authorization": f"Bearer {key}"}, None),
                                  ("API key, stamping lastUsedAt", {"Authorization": f"Bearer {key}"}, stale)):
        _timed(client, headers, 20, before)  # warm-up
        times = _timed(client, headers, args.requests, before)
        results[name] = statistics.median(times)
        print(f"{name:32s} median {results[name]:6.2f} ms  p95 {sorted(times)[int(len(times) * .95)]:6.2f} ms")
    extra = results["API key"] - results["JWT (baseline)"]
    print(f"API key over JWT: {extra:+.2f} ms per request (goal: at most +{GOAL_MS:.1f} ms); "
          f"the once-a-minute stamp: {results['API key, stamping lastUsedAt'] - results['API key']:+.2f} ms "
          f"on that one request ({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]})")
    with app.app_context():
        db.drop_all()


if __name__ == "__main__":
    main()
