"""Jobs whose worker died: found by their stale heartbeat, then resumed or failed.

huey cannot see this itself: a consumer killed with SIGKILL (or out of memory, or on a lost host)
takes its task with it, and SIGNAL_INTERRUPTED only fires on a shutdown the consumer lives
through. So, as RQ's StartedJobRegistry clean-up and Solid Queue's process pruning do, the Job
row carries a heartbeat (moved by every committed batch, app/jobs/runner.py) and every worker
looks for running jobs whose heartbeat is older than JOBS_HEARTBEAT_TIMEOUT seconds: when it
starts, then every REAP_EVERY (a quarter of the timeout, at most a minute).

Such a job is resumed from its last committed batch (`done`, the counts and the refused rows are
all committed with the batch, so nothing is counted twice) when its kind reads the same items on
every run and it has had fewer than JOBS_MAX_ATTEMPTS runs; it says so in `result.restarts`.
Otherwise (a kind whose items change as it goes, a job that keeps killing its worker) it is
marked failed with `result.error` and `result.stoppedAt`, like a job that raised. A job asked to
stop is marked cancelled. The job row is locked while this is decided, and a run that lost its job
finds out at its next batch (runner.own_job), so a slow batch is never run twice.

A job can also lose its task before any worker saw it (the process died between the commit and
the enqueue, the queue file or Redis was wiped): still `queued` JOBS_HEARTBEAT_TIMEOUT seconds
after it was last enqueued, it is queued again. A job that only waits its turn behind a long one
gets a second task that way, which costs nothing: run_job starts a job once (under its row lock).
"""
import logging
import threading
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import or_, select

from app.extensions import db
from app.jobs.models import Job
from app.jobs.queue import enqueue_after_commit
from app.jobs.runner import KINDS, JobKind, close_job, stopped_at
from app.timeutil import utcnow
from app.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


def reap_every(app: Flask) -> float:
    return max(0.5, min(60.0, app.config["JOBS_HEARTBEAT_TIMEOUT"] / 4))


def reap_stale_jobs() -> list[int]:
    """Resume or fail every running job whose heartbeat is older than the timeout; their ids."""
    timeout = current_app.config["JOBS_HEARTBEAT_TIMEOUT"]
    cutoff = utcnow() - timedelta(seconds=timeout)
    stale = (Job.status == "running", or_(Job.heartbeat_at < cutoff, Job.heartbeat_at.is_(None)))
    with unit_of_work(write=False):
        candidates = list(db.session.scalars(select(Job.id).where(*stale).order_by(Job.id)))
    reaped = []
    for job_id in candidates:
        with unit_of_work():
            job = db.session.scalars(select(Job).where(Job.id == job_id, *stale).with_for_update()).first()
            if job is None:  # its batch committed meanwhile, or another worker got there first
                continue
            _recover(KINDS[job.kind], job, timeout)
        reaped.append(job_id)
    return reaped


def requeue_lost_tasks() -> list[int]:
    """Queue again every job still `queued` longer than the timeout after its last enqueue; their ids."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["JOBS_HEARTBEAT_TIMEOUT"])
    waiting = (Job.status == "queued", or_(Job.enqueued_at < cutoff, Job.enqueued_at.is_(None)))
    with unit_of_work():
        jobs = list(db.session.scalars(select(Job).where(*waiting).order_by(Job.id).with_for_update()))
        for job in jobs:
            enqueue_after_commit(job)
    if jobs:
        log.warning("jobs %s were still queued long after their enqueue; queued again", [job.id for job in jobs])
    return [job.id for job in jobs]


def _recover(kind: JobKind, job: Job, timeout: float) -> None:
    items = kind.items(job) if kind.resumable else []
    where = stopped_at(kind, items, job.done) if kind.resumable else {"done": job.done}
    result = dict(job.result or {})
    if job.cancel_requested:
        close_job(kind, job, "cancelled", {**result, "stoppedAt": where})
    elif kind.resumable and (job.attempts or 0) < current_app.config["JOBS_MAX_ATTEMPTS"]:
        restart = {**where, "at": utcnow().isoformat(timespec="seconds") + "Z"}
        job.status, job.result = "queued", {**result, "restarts": [*result.get("restarts", []), restart]}
        enqueue_after_commit(job)
        log.warning("job %s lost its worker after %s items; resumed", job.id, job.done)
    else:
        runs = f" in each of its {job.attempts} runs" if (job.attempts or 0) > 1 else ""
        error = (f"the worker running it stopped without a word{runs} (no heartbeat for more than {timeout:g} s: "
                 "the process was killed, ran out of memory or lost its host)")
        close_job(kind, job, "failed", {**result, "error": error, "stoppedAt": where})
        log.warning("job %s lost its worker after %s items; marked failed", job.id, job.done)


def reap_in(app: Flask) -> None:
    """One look for dead jobs in a fresh app context; a failure is logged, the caller goes on."""
    with app.app_context():
        try:
            reap_stale_jobs()
            requeue_lost_tasks()
        except Exception:
            log.exception("looking for jobs whose worker died")
        finally:
            db.session.remove()


class Reaper(threading.Thread):
    """Looks for dead jobs now and every reap_every(app) seconds, beside a worker."""

    def __init__(self, app: Flask):
        super().__init__(name="switchboard-jobs-reaper", daemon=True)
        self.app, self.stopping = app, threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            reap_in(self.app)
            self.stopping.wait(reap_every(self.app))

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)
