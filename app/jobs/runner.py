"""Running a job: its items in batches, each batch one unit of work with the job's progress.

A kind (import, bulk, undo) registers `items(job)` (the work, read once) and `apply(context,
item)` (one item's writes, inside the batch's transaction). The runner commits each batch
together with `done` and the counts, so whatever happens (an exception, a cancel, a killed
process) the database holds whole batches only and `done` says where the job stopped. A dry run
rolls each batch's writes back to a savepoint and keeps only the counts.

A run owns its job through `attempts`: each batch locks the job row and checks the run still holds
it, so a run given up on by the reaper (app/jobs/reaper.py) can never commit a batch after its
successor started.
"""
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from flask import current_app

from app.actors import Actor
from app.extensions import db
from app.jobs.models import Job, JobEvent, JobRowError
from app.timeutil import utcnow
from app.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    job: Job
    actor: Actor
    tally: dict
    dry_run: bool = False
    params: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    @property
    def customer_id(self) -> int:
        return self.job.customer_id

    def count(self, name: str, by: int = 1) -> None:
        self.tally[name] = self.tally.get(name, 0) + by

    def row_error(self, line: int, column: str, message: str) -> None:
        self.errors.append(JobRowError(customer_id=self.customer_id, job_id=self.job.id, line=line,
                                       column=column[:300], message=message))

    def link_events(self, ids: list[int]) -> None:
        if not self.dry_run:
            db.session.add_all([JobEvent(customer_id=self.customer_id, job_id=self.job.id, audit_event_id=i) for i in ids])


@dataclass(frozen=True)
class JobKind:
    items: Callable[[Job], Sequence[Any]]
    apply: Callable[[JobContext, Any], None]
    where: Callable[[Any], dict] = lambda item: {}  # how a person finds an item (an import's line)
    finish: Callable[[JobContext], None] | None = None  # in the last transaction (the Import event)
    batch_size: int = 500
    # Whether `items(job)` reads the same list on every run (a file, a list of ids), so that a job whose
    # worker died can go on at its `done`; else the reaper marks it failed (app/jobs/reaper.py).
    resumable: bool = True
    # All of a batch's items at once, instead of `apply` one by one: an import finds a batch's
    # people in one query and writes them in one flush.
    apply_batch: Callable[[JobContext, Sequence[Any]], None] | None = None


KINDS: dict[str, JobKind] = {}


def register_kind(name: str, kind: JobKind) -> None:
    KINDS[name] = kind


def job_actor(job: Job) -> Actor:
    return Actor.job(job.id, f"job {job.id} for {job.actor_name or job.actor_type}")


class Superseded(Exception):
    """This run lost the job: its heartbeat went stale and the reaper resumed or failed it elsewhere."""


def run_job(job_id: int, batch_size: int | None = None) -> None:
    """Run one queued job to its end (the worker's task; tests call it too). A job resumed after its
    worker died (app/jobs/reaper.py) starts at its last committed batch, with the counts kept."""
    with unit_of_work():
        job = db.session.get(Job, job_id, with_for_update=True)
        if job is None or job.status != "queued":  # deleted with its tenant, or a second task for it
            log.info("job %s: nothing to run (%s)", job_id, "no such job" if job is None else job.status)
            return
        if job.cancel_requested:
            _end(job, "cancelled", dict(job.result or {}))
            return
        now = utcnow()
        job.status, job.heartbeat_at, job.started_at = "running", now, job.started_at or now
        job.attempts = (job.attempts or 0) + 1
        attempt, kind, done, committed = job.attempts, KINDS[job.kind], job.done or 0, dict(job.result or {})
    with unit_of_work(write=False):
        items = kind.items(db.session.get(Job, job_id))
    size = batch_size or current_app.config.get("JOBS_BATCH_SIZE") or kind.batch_size
    try:
        while done < len(items):
            chunk = items[done:done + size]
            with unit_of_work():
                job = own_job(job_id, attempt)
                if job.cancel_requested:
                    break
                context = _context(job, committed)
                _apply_batch(kind, context, chunk)
                job.done, job.result, job.heartbeat_at = done + len(chunk), dict(context.tally), utcnow()
            committed, done = dict(context.tally), done + len(chunk)
    except Superseded:
        log.warning("job %s was taken over after its heartbeat went stale; this run stops", job_id)
        return
    except Exception as exc:
        log.exception("job %s failed at item %s", job_id, done)
        _finish(kind, job_id, attempt, "failed", {**committed, "error": _message(exc),
                                                   "stoppedAt": stopped_at(kind, items, done)})
        return
    if done < len(items):
        _finish(kind, job_id, attempt, "cancelled", {**committed, "stoppedAt": stopped_at(kind, items, done)})
    else:
        _finish(kind, job_id, attempt, "succeeded", committed)


def own_job(job_id: int, attempt: int) -> Job:
    """The job, locked for this batch (PostgreSQL: FOR UPDATE; SQLite: the write lock taken at BEGIN),
    if this run still holds it: the reaper cannot take it over while a batch is being written."""
    job = db.session.get(Job, job_id, with_for_update=True)
    if job is None or job.status != "running" or job.attempts != attempt:
        raise Superseded(job_id)
    return job


def stopped_at(kind: JobKind, items: Sequence[Any], done: int) -> dict:
    """Where a job stopped: how many items were done, and how a person finds the next (an import's line)."""
    return {"done": done, **(kind.where(items[done]) if done < len(items) else {})}


def _context(job: Job, tally: dict) -> JobContext:
    params = dict(job.params or {})
    return JobContext(job, job_actor(job), dict(tally), bool(params.get("dryRun")), params)


def _apply_batch(kind: JobKind, context: JobContext, chunk) -> None:
    savepoint = db.session.begin_nested() if context.dry_run else None
    if kind.apply_batch is not None:
        kind.apply_batch(context, chunk)
    else:
        for item in chunk:
            kind.apply(context, item)
    if savepoint is not None:
        savepoint.rollback()  # a dry run keeps only what it found: the counts and the row errors
    db.session.add_all(context.errors)


def _finish(kind: JobKind, job_id: int, attempt: int, status: str, result: dict) -> None:
    try:
        with unit_of_work():
            close_job(kind, own_job(job_id, attempt), status, result)
    except Superseded:
        log.warning("job %s was taken over before it could end as %s", job_id, status)


def close_job(kind: JobKind, job: Job, status: str, result: dict) -> None:
    """End the job inside the current unit of work (with the kind's last words: an import's event)."""
    context = _context(job, result)
    if kind.finish is not None:
        kind.finish(context)
    _end(job, status, context.tally)


def _end(job: Job, status: str, result: dict) -> None:
    job.status, job.result, job.finished_at = status, result, utcnow()


def _message(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:500]
