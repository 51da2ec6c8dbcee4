"""A writer on SQLite while people sign in: how long each write waits for the database's write lock
when logins run beside it, at the production Argon2 cost (argon2-cffi's defaults). Before logins
were marked `reads_first` (app/unit_of_work.py), a login held the write lock through its password
check, so every write that came during one waited for the hash.

    .venv/bin/python bench/login_write_lock.py                           # 16 API logins, a write every 20 ms
    .venv/bin/python bench/login_write_lock.py --app-dir /work/main       # the same run on another checkout

In-process: the app of `--app-dir` on a fresh SQLite file (WAL), logins through its test client in
one thread, a writer (one short UPDATE per unit of work) in another. Prints the writer's wait
(median, p95, max) with logins running and, as the baseline of the same run, without them;
the goal: no write waits for a password check, i.e. with logins the p95 stays under a quarter of
one login's time (on a shared 2-core machine Argon2's four lanes still slow the writer down: CPU,
not the lock).
"""
import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "login-write-lock-password"
GOAL_SHARE_OF_A_LOGIN = 0.25


def _build(app_dir: Path):
    sys.path.insert(0, str(app_dir))
    from argon2 import DEFAULT_MEMORY_COST, DEFAULT_PARALLELISM, DEFAULT_TIME_COST
    from flask_migrate import upgrade

    from app import create_app
    from app.actors import Actor
    from app.customers.operations import create_customer
    from app.unit_of_work import unit_of_work
    from config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(tempfile.mkdtemp(prefix='login-lock-')) / 'bench.db'}"
        PASSWORD_HASH_TIME_COST = DEFAULT_TIME_COST
        PASSWORD_HASH_MEMORY_COST = DEFAULT_MEMORY_COST
        PASSWORD_HASH_PARALLELISM = DEFAULT_PARALLELISM

    app = create_app(Config)
    with app.app_context():
        upgrade()
        with unit_of_work():
            customer, _ = create_customer(Actor.cli("bench"), "Bench", "admin@bench.example.com", PASSWORD)
            customer_id = customer.id
    return app, customer_id, unit_of_work


def _writer(app, customer_id, unit_of_work, stop: threading.Event, interval: float) -> list[float]:
    from sqlalchemy import text

    from app.extensions import db

    waits = []
    while not stop.is_set():
        with app.app_context():
            started = time.perf_counter()
            with unit_of_work():
                db.session.execute(text("UPDATE customer SET name = name WHERE id = :id"), {"id": customer_id})
            waits.append(time.perf_counter() - started)
            db.session.remove()
        time.sleep(interval)
    return waits


def _run(app, customer_id, unit_of_work, interval: float, logins: int) -> tuple[list[float], list[float]]:
    stop, waits = threading.Event(), []
    writer = threading.Thread(target=lambda: waits.extend(_writer(app, customer_id, unit_of_work, stop, interval)))
    writer.start()
    client, login_seconds = app.test_client(), []
    if logins:
        for _ in range(logins):
            started = time.perf_counter()
            answer = client.post("/api/Auth/login", json={"email": "admin@bench.example.com", "password": PASSWORD})
            assert answer.status_code == 200, answer.get_data(as_text=True)
            login_seconds.append(time.perf_counter() - started)
    else:
        time.sleep(3)
    stop.set()
    writer.join()
    return waits, login_seconds


def _line(label: str, waits: list[float]) -> str:
    ordered = sorted(waits)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (f"{label:<22} writes {len(waits):>4}  median {statistics.median(waits) * 1000:7.1f} ms  "
            f"p95 {p95 * 1000:7.1f} ms  max {ordered[-1] * 1000:7.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--logins", type=int, default=16)
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between two writes")
    args = parser.parse_args()
    app, customer_id, unit_of_work = _build(args.app_dir.resolve())
    baseline, _ = _run(app, customer_id, unit_of_work, args.interval, 0)
    during, login_seconds = _run(app, customer_id, unit_of_work, args.interval, args.logins)
    print(f"app: {args.app_dir.resolve()}; {args.logins} logins, median {statistics.median(login_seconds):.3f} s each")
    print(_line("baseline (no logins)", baseline))
    print(_line("with logins", during))
    p95, goal = sorted(during)[int(0.95 * (len(during) - 1))], GOAL_SHARE_OF_A_LOGIN * statistics.median(login_seconds)
    print(f"goal: p95 with logins under {goal * 1000:.0f} ms (a quarter of a login): {'met' if p95 < goal else 'NOT met'}")


if __name__ == "__main__":
    main()
