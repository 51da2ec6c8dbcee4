"""End-user search and lookup at scale: fills one tenant with N end users (2-3 identifiers
each) and times the queries the list and the lookup box run, on the configured database.

    .venv/bin/python bench/search_scale.py --end-users 200000
    bash scripts/with-postgres.sh sh -c 'DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/search_scale.py'

Prints the median of several runs per query, in milliseconds.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SWITCHBOARD_INSTANCE_DIR", tempfile.mkdtemp(prefix="switchboard-bench-"))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.actors import Actor  # noqa: E402
from app.customers.operations import create_customer  # noqa: E402
from app.end_users.models import EndUser, EndUserUID  # noqa: E402
from app.end_users.queries import end_user_list, find_by_identifier, ListFilters  # noqa: E402
from app.extensions import db  # noqa: E402
from app.unit_of_work import unit_of_work  # noqa: E402
from config import DevelopmentConfig  # noqa: E402

FIRST = ["emma", "lucas", "olivia", "noah", "mila", "liam", "louise", "arthur", "nina", "jules"]
LAST = ["peeters", "janssens", "maes", "jacobs", "mertens", "willems", "claes", "goossens", "wouters", "dubois"]


def fill(customer_id: int, count: int, batch: int = 5000) -> None:
    for start in range(0, count, batch):
        users, uids = [], []
        for n in range(start, min(start + batch, count)):
            first, last = FIRST[n % 10], f"{LAST[(n // 10) % 10]}{n}"
            email, phone = f"{first}.{last}@example.com", f"+3247{n:07d}"
            users.append({"customer_id": customer_id, "firstname": first.title(), "lastname": last.title(),
                          "customer_type": "Lead", "customer_ref": f"ERP-{n:08d}", "city": "Antwerp",
                          "search_text": "\n".join([first, last, "antwerp", email, phone])})
            uids.append((email, phone))
        ids = db.session.scalars(insert(EndUser).returning(EndUser.id), users).all()
        rows = []
        for end_user_id, (email, phone) in zip(ids, uids):
            rows.append({"customer_id": customer_id, "end_user_id": end_user_id, "uid_type": "Email", "uid": email, "uid_lookup": email, "is_primary": True})
            rows.append({"customer_id": customer_id, "end_user_id": end_user_id, "uid_type": "Phone", "uid": phone, "uid_lookup": phone, "is_primary": False})
        db.session.execute(insert(EndUserUID), rows)
        db.session.commit()


def timed(label: str, fn, runs: int = 5) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{label:<48} {statistics.median(times):9.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--end-users", type=int, default=100_000)
    args = parser.parse_args()
    app = create_app(DevelopmentConfig)
    with app.app_context():
        upgrade()
        with unit_of_work():
            customer, _ = create_customer(Actor.cli("bench"), f"Bench {time.time_ns()}",
                                          f"bench{time.time_ns()}@example.com", "pw")
        started = time.perf_counter()
        fill(customer.id, args.end_users)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE end_user; ANALYZE end_user_uid"))
            db.session.commit()
        print(f"engine={db.engine.dialect.name} end_users={args.end_users} filled in {time.perf_counter() - started:.1f} s")
        customer_id = customer.id

    with app.app_context():
        def page(search):
            stmt = end_user_list(customer_id, ListFilters(search=search))
            db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
            db.session.scalars(stmt.order_by(EndUser.id).limit(10)).all()

        timed("list, no search (count + first page)", lambda: page(""))
        timed("search one rare word ('peeters4242')", lambda: page("peeters4242"))
        timed("search two words ('louise claes')", lambda: page("louise claes"))
        timed("search e-mail fragment ('olivia.maes13')", lambda: page("olivia.maes13"))
        timed("search customerRef prefix ('erp-0000123')", lambda: page("erp-0000123"))
        timed("lookup by e-mail (exact, any case)", lambda: find_by_identifier(customer_id, "Emma.Peeters0@Example.com"))
        timed("lookup by phone in another format", lambda: find_by_identifier(customer_id, "0470 00 12 34"))


if __name__ == "__main__":
    main()
