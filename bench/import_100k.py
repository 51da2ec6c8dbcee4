"""CSV import at scale: generates N rows (name, company, city, customerRef, e-mail, phone), imports
them through the real import job (every row through EndUserCreateForm and the end-user
operations, one audit event per person, batches of 500), and prints rows per second and peak
memory. In the same run and database the baseline: the same rows inserted bare (executemany of
end_user and end_user_uid rows, no validation, no events), the floor any import stands on.

    .venv/bin/python bench/import_100k.py [--rows 100000]
    bash scripts/with-postgres.sh sh -c 'DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/import_100k.py'

Goal: at least 1,000 rows/s and peak memory under 200 MB for 100,000 rows (a 10 MB file).
Peak memory is tracemalloc's peak of Python allocations during the job (the file's bytes, the
parsed rows, a batch's objects), plus the process's ru_maxrss.
"""
import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SWITCHBOARD_INSTANCE_DIR", tempfile.mkdtemp(prefix="switchboard-bench-"))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import delete, func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.actors import Actor  # noqa: E402
from app.customers.operations import create_customer  # noqa: E402
from app.end_users.importing import start_import  # noqa: E402
from app.end_users.models import EndUser, EndUserUID  # noqa: E402
from app.extensions import db  # noqa: E402
from app.jobs.models import Job  # noqa: E402
from app.jobs.runner import run_job  # noqa: E402
from app.unit_of_work import unit_of_work  # noqa: E402
from config import DevelopmentConfig  # noqa: E402

FIRST = ["Emma", "Lucas", "Olivia", "Noah", "Mila", "Liam", "Louise", "Arthur", "Nina", "Jules"]
CITIES = ["Antwerp", "Ghent", "Brussels", "Leuven", "Bruges"]


def generated(rows: int) -> bytes:
    lines = ["firstname,lastname,company,city,customerRef,customerType,email,phone"]
    for n in range(rows):
        lines.append(f"{FIRST[n % 10]},Person{n},Company {n % 500},{CITIES[n % 5]},ERP-{n:08d},Customer,"
                     f"person{n}@example.com,+3247{n:07d}")
    return ("\n".join(lines) + "\n").encode()


def baseline(customer_id: int, rows: int, batch: int = 5000) -> float:
    """The same people inserted bare: executemany, no validation, no events."""
    started = time.perf_counter()
    for start in range(0, rows, batch):
        people = [{"customer_id": customer_id, "firstname": FIRST[n % 10], "lastname": f"Person{n}",
                   "company": f"Company {n % 500}", "city": CITIES[n % 5], "customer_ref": f"ERP-{n:08d}",
                   "customer_type": "Customer", "search_text": ""} for n in range(start, min(start + batch, rows))]
        ids = db.session.scalars(insert(EndUser).returning(EndUser.id), people).all()
        db.session.execute(insert(EndUserUID), [
            row for i, end_user_id in enumerate(ids) for row in (
                {"customer_id": customer_id, "end_user_id": end_user_id, "uid_type": "Email",
                 "uid": f"person{start + i}@example.com", "uid_lookup": f"person{start + i}@example.com", "is_primary": True},
                {"customer_id": customer_id, "end_user_id": end_user_id, "uid_type": "Phone",
                 "uid": f"+3247{start + i:07d}", "uid_lookup": f"+3247{start + i:07d}", "is_primary": False})])
        db.session.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    class Config(DevelopmentConfig):
        JOBS_EMBEDDED_WORKER = False

    app = create_app(Config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        print(f"database: {db.engine.dialect.name}, rows: {args.rows:,}")
        with unit_of_work():
            importing, _ = create_customer(Actor.cli("bench"), "Import bench", "admin@import-bench.example.com",
                                           "bench-password-123", 3)
            bare, _ = create_customer(Actor.cli("bench"), "Baseline bench", "admin@baseline-bench.example.com",
                                      "bench-password-123", 3)
            importing_id, bare_id = importing.id, bare.id
        content = generated(args.rows)
        print(f"file: {len(content) / 1e6:.1f} MB")

        seconds = baseline(bare_id, args.rows)
        print(f"baseline, bare executemany insert: {args.rows / seconds:,.0f} rows/s ({seconds:.1f} s)")

        with unit_of_work():
            job = start_import(importing_id, Actor.cli("bench"), "bench.csv", content, "upsert", False)
        job_id = job.id
        db.session.remove()
        tracemalloc.start()
        started = time.perf_counter()
        run_job(job_id)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        job = db.session.get(Job, job_id)
        count = db.session.scalar(select(func.count()).select_from(EndUser).where(EndUser.customer_id == importing_id))
        print(f"import job: {job.status}, {job.result}, {count:,} end users")
        print(f"import job: {args.rows / seconds:,.0f} rows/s ({seconds:.1f} s); goal >= 1,000 rows/s")
        print(f"peak memory: tracemalloc {peak / 1e6:.0f} MB during the job, ru_maxrss "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; goal < 200 MB")
        started = time.perf_counter()
        with unit_of_work():
            job = start_import(importing_id, Actor.cli("bench"), "bench.csv", content, "upsert", False)
        run_job(job.id)
        seconds = time.perf_counter() - started
        print(f"re-import of the same file (all unchanged): {args.rows / seconds:,.0f} rows/s ({seconds:.1f} s), "
              f"{db.session.get(Job, job.id).result}")
        db.session.execute(delete(Job))
        db.session.commit()


if __name__ == "__main__":
    main()
