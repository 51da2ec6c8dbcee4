"""What one authenticated read of an end user costs inside the app, next to bare Flask in the same
process over the same database (issue 10, "a lean hot path").

    .venv/bin/python bench/hot_path.py                  # SQLite in a temporary file
    bash scripts/with-postgres.sh sh -c 'DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/hot_path.py'

No server and no network: each request goes through the test client, so the figures are the
server's own time per request (what bench/scale.py's throughput divides into a core). Blocks of
requests alternate between the variants so that drift on a shared machine hits all alike.

- GET /api/EndUsers/{id} and GET /api/EndUsers/byUid against the bare-Flask anchor of
  bench/scale.py (bench/baseline_app.py: the same row and identifiers in two plain statements);
  the throughput goal (at least 50 % of bare Flask) means at most 2x its time per request;
- the SQL statements of each request (goal: at most two, the principal and the record);
- two parts that app/auth/policies.py and app/tenancy.py chose from these figures: the
  representative as one prepared Core row against a Session.get, and the end user through the
  statement built once against one built per request.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_TMP = tempfile.mkdtemp(prefix="switchboard-hot-path-bench-")
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{_TMP}/hot_path.db")

from sqlalchemy import event, select  # noqa: E402
from sqlalchemy.orm import joinedload  # noqa: E402

from app.auth import policies  # noqa: E402
from app.auth.models import Representative  # noqa: E402
from app.end_users.models import EndUser  # noqa: E402
from app.extensions import db  # noqa: E402
from app.tenancy import get_scoped, scoped  # noqa: E402
from bench.bench_tenant import EMAIL, PASSWORD, app_with_one_tenant  # noqa: E402

GOAL_RATIO = 2.0  # 50 % of bare Flask's throughput
GOAL_STATEMENTS = 2


def _bare_app(customer_id: int):
    """bench/baseline_app.py over the same database and tenant (it reads both when imported)."""
    os.environ.setdefault("DATABASE_URL", DATABASE_URL)
    os.environ["BENCH_CUSTOMER_ID"] = str(customer_id)
    from bench import baseline_app

    return baseline_app


def _timed(call, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def _statements(engine, call) -> int:
    """Queries, not counting the transaction's own BEGIN (SQLite's is a statement of ours, app/sqlite.py)."""
    count = [0]

    def seen(_conn, _cursor, statement, *_args):
        count[0] += not statement.lstrip().upper().startswith("BEGIN")

    event.listen(engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return count[0]


def _expect(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per variant")
    parser.add_argument("--block", type=int, default=100, help="requests per alternating block")
    args = parser.parse_args()
    app, customer_id = app_with_one_tenant(DATABASE_URL, "100000000 per minute")
    client = app.test_client()
    token = _expect(client.post("/api/Auth/login", json={"email": EMAIL, "password": PASSWORD})).get_json()["token"]
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    person = _expect(client.post("/api/EndUsers", json={
        "firstname": "Jane", "lastname": "Doe", "customerRef": "ERP-1",
        "uids": [{"uid": "jane@example.com"}, {"uid": "+32470123456", "uidType": "Phone"}]}), 201).get_json()
    end_user_id = person["endUserID"]
    baseline = _bare_app(customer_id)
    bare = baseline.app.test_client()
    requests = {
        "bare Flask /u/<id>": lambda: _expect(bare.get(f"/u/{end_user_id}")),
        "GET /api/EndUsers/{id}": lambda: _expect(client.get(f"/api/EndUsers/{end_user_id}")),
        "GET /api/EndUsers/byUid": lambda: _expect(client.get("/api/EndUsers/byUid?uid=0470%2012%2034%2056")),
    }

    with app.app_context():
        rep_id = db.session.scalar(select(Representative.id).where(Representative.email == EMAIL))
        engines = {name: baseline.engine if name.startswith("bare") else db.engine for name in requests}

    def orm_representative():
        db.session.expunge_all()
        db.session.get(Representative, rep_id)

    def core_representative():
        db.session.execute(policies._REPRESENTATIVE_FACTS, {"id": rep_id}).first()

    def end_user_built_per_request():
        db.session.expunge_all()
        stmt = scoped(EndUser, customer_id, EndUser.id == end_user_id).options(joinedload(EndUser.uids))
        db.session.scalars(stmt).unique().one()

    def end_user_prebuilt():
        db.session.expunge_all()
        get_scoped(EndUser, customer_id, end_user_id, joined=("uids",))

    parts = {
        "representative: Session.get": orm_representative,
        "representative: prepared Core row": core_representative,
        "end user: statement built per request": end_user_built_per_request,
        "end user: statement built once": end_user_prebuilt,
    }

    timings = {name: [] for name in (*requests, *parts)}
    for call in requests.values():
        _timed(call, 100)  # warm-up
    with app.app_context():
        for call in parts.values():
            _timed(call, 100)
        for _ in range(max(1, args.requests // args.block)):
            for name, call in requests.items():
                timings[name] += _timed(call, args.block)
            for name, call in parts.items():
                timings[name] += _timed(call, args.block)
        db.session.remove()

    engine = DATABASE_URL.split(":", 1)[0]
    medians = {name: statistics.median(values) * 1e6 for name, values in timings.items()}
    anchor = medians["bare Flask /u/<id>"]
    print(f"hot path ({engine}, {len(timings[next(iter(timings))])} calls per variant, test client, no network)")
    print(f"  {'variant':40} {'median µs':>10} {'x bare':>7} {'SQL':>4}")
    for name, call in requests.items():
        statements = _statements(engines[name], call)
        ratio = medians[name] / anchor
        goal = "" if name.startswith("bare") else (
            f"   goal ≤ {GOAL_RATIO:.0f}x bare {'✓' if ratio <= GOAL_RATIO else '✗'}, "
            f"≤ {GOAL_STATEMENTS} statements {'✓' if statements <= GOAL_STATEMENTS else '✗'}")
        print(f"  {name:40} {medians[name]:10.0f} {ratio:7.2f} {statements:4}{goal}")
    print("  parts (inside one app context):")
    for name in parts:
        print(f"  {name:40} {medians[name]:10.0f}")


if __name__ == "__main__":
    main()
