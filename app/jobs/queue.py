"""The queue under the jobs: huey, on a SQLite file in instance/ by default, on Redis with REDIS_URL.

- Embedded (no REDIS_URL): the app process is its own worker. The first request starts one
  consumer thread in that process, so `flask --app wsgi run` or one gunicorn completes an import
  with nothing else running. Several app processes on one host share the queue file.
- Redis (REDIS_URL set, several app hosts): no thread in the app; workers run in their own
  processes, `flask --app wsgi jobs-worker [--workers N]`, as many as wanted. (It serves the
  SQLite queue file just as well, for a worker process beside app processes on one host.)
- Either way each worker also looks for jobs whose worker died (app/jobs/reaper.py).

huey carries only a job id; the Job row holds everything else, so a lost queue entry (the process
died between the commit and the enqueue, the queue file or Redis was wiped) is a job that stays
`queued`, never a half-done one, and the reaper queues it again. A job is enqueued after the
transaction that created it commits (a worker must find its row).
"""
import logging
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs.models import Job
from app.timeutil import utcnow

log = logging.getLogger(__name__)
_PENDING = "switchboard_jobs_to_enqueue"


def make_huey(app: Flask):
    url = app.config.get("REDIS_URL")
    if url:
        return RedisHuey("switchboard-jobs", url=url, results=False)
    path = Path(app.config["JOBS_QUEUE_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("switchboard-jobs", filename=str(path), results=False)


def init_jobs(app: Flask) -> None:
    huey = make_huey(app)

    @huey.task(name="switchboard.run_job")
    def run_job_task(job_id: int):
        from app.jobs.runner import run_job

        with app.app_context():
            try:
                run_job(job_id)
            finally:
                db.session.remove()

    app.extensions["jobs"] = {"huey": huey, "task": run_job_task, "thread": None, "lock": threading.Lock()}
    if app.config.get("JOBS_EMBEDDED_WORKER") and not app.config.get("REDIS_URL"):
        @app.before_request
        def _start_worker() -> None:  # returns nothing: a before_request value would be the answer
            start_embedded_worker(app)

    @app.cli.command("jobs-worker")
    @click.option("--workers", default=2, show_default=True, help="Jobs run side by side in this process.")
    def jobs_worker_command(workers):
        """Run background jobs (import, bulk changes) until stopped: the worker for REDIS_URL setups."""
        from huey.consumer import Consumer

        from app.jobs.reaper import Reaper

        click.echo(f"Switchboard jobs worker: {workers} thread(s) on {type(huey).__name__}.")
        Reaper(app).start()  # resumes or fails the jobs of workers that died (app/jobs/reaper.py)
        Consumer(huey, workers=workers, worker_type="thread").run()


def _extension(app: Flask | None = None) -> dict:
    return (app or current_app).extensions["jobs"]


def enqueue_after_commit(job: Job) -> None:
    """Queue the job once the current transaction commits (dropped if it rolls back); the row says when."""
    job.enqueued_at = utcnow()
    db.session.info.setdefault(_PENDING, []).append((current_app._get_current_object(), job.id))


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session):
    for app, job_id in session.info.pop(_PENDING, []):
        _extension(app)["task"](job_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session):  # fired by the real ROLLBACK only, not a savepoint's
    session.info.pop(_PENDING, None)


def run_queued(app: Flask, limit: int | None = None) -> int:
    """Run queued jobs in this thread until the queue is empty (or `limit` ran): for tests and tools."""
    huey, ran = _extension(app)["huey"], 0
    while limit is None or ran < limit:
        task = huey.dequeue()
        if task is None:
            break
        huey.execute(task)
        ran += 1
    return ran


def start_embedded_worker(app: Flask) -> "EmbeddedWorker":
    """The app process's own worker thread (started once; tests start and stop one explicitly)."""
    jobs = _extension(app)
    if jobs["thread"] is not None:
        return jobs["thread"]
    with jobs["lock"]:
        if jobs["thread"] is None:
            jobs["thread"] = EmbeddedWorker(app)
            jobs["thread"].start()
    return jobs["thread"]


class EmbeddedWorker(threading.Thread):
    """Runs queued jobs one after the other; a Reaper beside it takes care of jobs whose worker died."""

    def __init__(self, app: Flask, idle_seconds: float = 0.3):
        from app.jobs.reaper import Reaper

        super().__init__(name="switchboard-jobs", daemon=True)
        self.app, self.idle_seconds, self.stopping = app, idle_seconds, threading.Event()
        self.reaper = Reaper(app)

    def run(self) -> None:
        self.reaper.start()
        while not self.stopping.is_set():
            try:
                if not run_queued(self.app, limit=1):
                    self.stopping.wait(self.idle_seconds)
            except Exception:  # a job's own failure is recorded on its row; keep serving the queue
                log.exception("background job worker")
                self.stopping.wait(self.idle_seconds)

    def stop(self) -> None:
        self.stopping.set()
        self.reaper.stop()
        self.join(timeout=30)
        with _extension(self.app)["lock"]:
            _extension(self.app)["thread"] = None
