"""What checking a token against the representative's row costs per API request.

    .venv/bin/python bench/revocation_cost.py                  # SQLite in a temporary file
    bash scripts/with-postgres.sh sh -c 'DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/revocation_cost.py'

Since issue 13 a bearer token is checked against the representative's row on every call
(active, tenant, session version; the roles read from the row): app.auth.policies._as_stored.
The baseline, measured in the same run on the same database, is the check as it was before
(the row loaded for "active" only, the roles taken from the token). Blocks of requests alternate
between the two so that drift on a shared machine hits both alike. Figures: the median time of a
whole GET /api/Actions/available through the test client, the bearer check alone, and the SQL
statements per request (the row is loaded anyway, for the request's actor: the goal is no
extra query and a request at most 5 % slower).
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_TMP = tempfile.mkdtemp(prefix="switchboard-revocation-bench-")
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{_TMP}/revocation.db")

from sqlalchemy import event  # noqa: E402

from app.auth import policies  # noqa: E402
from app.auth.models import Representative  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.bench_tenant import EMAIL, PASSWORD, app_with_one_tenant  # noqa: E402

PATH = "/api/Actions/available"
GOAL_RATIO = 1.05


def _before(principal):
    """The check as it was before issue 13: the row for `is_active`, the roles from the token."""
    if principal.is_phone:
        return principal
    rep = db.session.get(Representative, principal.representative_id)
    ok = rep is not None and rep.is_active and rep.customer_id == principal.customer_id
    return principal if ok else None


def _statements(app, client, token) -> int:
    count = [0]
    with app.app_context():
        engine = db.engine

    def seen(*_args):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert client.get(PATH, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return count[0]


def _time_requests(client, token, n: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    out = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(PATH, headers=headers)
        out.append(time.perf_counter() - start)
        assert response.status_code == 200, response.get_data(as_text=True)
    return out


def _time_check(app, token, n: int) -> list[float]:
    out = []
    with app.test_request_context(PATH, headers={"Authorization": f"Bearer {token}"}):
        for _ in range(n):
            start = time.perf_counter()
            principal = policies._principal_from_bearer()
            out.append(time.perf_counter() - start)
            assert principal is not None
        db.session.remove()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per variant")
    parser.add_argument("--block", type=int, default=50, help="requests per alternating block")
    args = parser.parse_args()
    app, _customer_id = app_with_one_tenant(DATABASE_URL, "1000000 per minute")
    client = app.test_client()
    token = client.post("/api/Auth/login", json={"email": EMAIL, "password": PASSWORD}).get_json()["token"]
    now = policies._as_stored
    variants = {"before": _before, "now": now}
    timings = {name: {"request": [], "check": []} for name in variants}
    statements = {}
    _time_requests(client, token, 200)  # warm-up
    for _ in range(max(1, args.requests // args.block)):
        for name, check in variants.items():
            policies._as_stored = check
            timings[name]["request"] += _time_requests(client, token, args.block)
            timings[name]["check"] += _time_check(app, token, args.block)
    for name, check in variants.items():
        policies._as_stored = check
        statements[name] = _statements(app, client, token)
    policies._as_stored = now

    engine = DATABASE_URL.split(":", 1)[0]
    print(f"revocation check cost ({engine}, {len(timings['now']['request'])} requests per variant, GET {PATH})")
    medians = {}
    for name in variants:
        medians[name] = {kind: statistics.median(values) * 1e6 for kind, values in timings[name].items()}
        print(f"  {name:6}  request median {medians[name]['request']:8.1f} µs   bearer check median "
              f"{medians[name]['check']:7.1f} µs   SQL statements per request {statements[name]}")
    ratio = medians["now"]["request"] / medians["before"]["request"]
    check_extra = medians["now"]["check"] - medians["before"]["check"]
    print(f"  ratio now/before per request: {ratio:.3f} (goal ≤ {GOAL_RATIO}); the check itself "
          f"{check_extra:+.1f} µs; extra SQL statements: {statements['now'] - statements['before']} (goal 0)")


if __name__ == "__main__":
    main()
