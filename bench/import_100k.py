"""CSV import at scale: generates N rows (name, company, city, customerRef, e-mail, phone), imports
them through the real import job (every row through EndUserCreateForm, matched and written a
batch of 500 at a time with one audit event per person, app/end_users/import_batch.py), then
imports the same file again (upsert: every row found, nothing changes), and prints rows per
second and peak memory of both next to their goals. In the same run and database the baseline:
the same rows inserted bare (executemany of end_user and end_user_uid rows, no validation, no
events), the floor any import stands on; the ratio import / baseline is the figure to compare
across runs on a shared machine, whose load average is printed with the results.

    .venv/bin/python bench/import_100k.py [--rows 100000]
    bash scripts/with-postgres.sh sh -c 'DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/import_100k.py'

Goals: at least 1,000 rows/s for the first import and for the re-run, peak memory under 200 MB
for 100,000 rows (a 10 MB file). Peak memory is the process's high-water mark (ru_maxrss) after
each phase: the file's bytes, the parsed rows (the job reads them once), a batch's objects.
tracemalloc is left off, as it would slow the timed run down.
"""
import argparse
import os
import resource
import sys
import tempfile
import time
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


GOAL_ROWS_PER_S = 1_000
GOAL_PEAK_MB = 200


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(customer_id: int, content: bytes) -> tuple[float, Job]:
    with unit_of_work():
        job = start_import(customer_id, Actor.cli("bench"), "bench.csv", content, "upsert", False)
    job_id = job.id
    db.session.remove()
    started = time.perf_counter()
    run_job(job_id)
    seconds = time.perf_counter() - started
    return seconds, db.session.get(Job, job_id)


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
        print(f"database: {db.engine.dialect.name}, rows: {args.rows:,}, load average at start: "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
        with unit_of_work():
            importing, _ = create_customer(Actor.cli("bench"), "Import bench", "admin@import-bench.example.com",
                                           "bench-password-123", 3)
            bare, _ = create_customer(Actor.cli("bench"), "Baseline bench", "admin@baseline-bench.example.com",
                                      "bench-password-123", 3)
            importing_id, bare_id = importing.id, bare.id
        content = generated(args.rows)
        print(f"file: {len(content) / 1e6:.1f} MB")

        print(f"peak memory before any import (the app, the generated file): {peak_mb():.0f} MB")
        seconds = baseline(bare_id, args.rows)
        base_rate = args.rows / seconds
        print(f"baseline, bare executemany insert: {base_rate:,.0f} rows/s ({seconds:.1f} s)")

        results = []
        for name in ("import (all new)", "re-import, same file (all unchanged)"):
            seconds, job = timed_import(importing_id, content)
            rate = args.rows / seconds
            results.append((name, rate, peak_mb()))
            print(f"{name}: {job.status}, {job.result}")
            print(f"  {rate:,.0f} rows/s ({seconds:.1f} s), {rate / base_rate:.0%} of the baseline; "
                  f"goal >= {GOAL_ROWS_PER_S:,} rows/s: {'met' if rate >= GOAL_ROWS_PER_S else 'NOT met'}")
            print(f"  peak memory (ru_maxrss so far): {peak_mb():.0f} MB; goal < {GOAL_PEAK_MB} MB: "
                  f"{'met' if peak_mb() < GOAL_PEAK_MB else 'NOT met'}")
        count = db.session.scalar(select(func.count()).select_from(EndUser).where(EndUser.customer_id == importing_id))
        print(f"end users after both runs: {count:,}; load average at the end: "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"\n| {db.engine.dialect.name} | rows/s | of baseline | goal | peak MB |")
        print(f"| bare insert (baseline) | {base_rate:,.0f} | 100% | - | - |")
        for name, rate, peak in results:
            print(f"| {name} | {rate:,.0f} | {rate / base_rate:.0%} | >= {GOAL_ROWS_PER_S:,} | {peak:.0f} (goal < {GOAL_PEAK_MB}) |")
        db.session.execute(delete(Job))
        db.session.commit()


if __name__ == "__main__":
    main()
