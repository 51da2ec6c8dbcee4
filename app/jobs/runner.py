"""Running a job: its items in batches, each batch one unit of work with the job's progress.

A kind (import, bulk, undo) registers `items(job)` (the work, read once) and `apply(context,
item)` (one item's writes, inside the batch's transaction). The runner commits each batch
together with `done` and the counts, so whatever happens (an exception, a cancel, a killed
process) the database holds whole batches only and `done` says where the job stopped. A dry run
rolls each batch's writes back to a savepoint and keeps only the counts.
"""
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

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
    # All of a batch's items at once, instead of `apply` one by one: an import finds a batch's
    # people in one query and writes them in one flush.
    apply_batch: Callable[[JobContext, Sequence[Any]], None] | None = None


KINDS: dict[str, JobKind] = {}


def register_kind(name: str, kind: JobKind) -> None:
    KINDS[name] = kind


def job_actor(job: Job) -> Actor:
    return Actor.job(job.id, f"job {job.id} for {job.actor_name or job.actor_type}")


def run_job(job_id: int, batch_size: int | None = None) -> None:
    """Run one queued job to its end (the worker's task; tests call it too)."""
    with unit_of_work():
        job = db.session.get(Job, job_id)
        if job is None or job.status != "queued":
            return
        if job.cancel_requested:
            _end(job, "cancelled", dict(job.result or {}))
            return
        job.status, job.started_at, job.heartbeat_at = "running", utcnow(), utcnow()
    kind = KINDS[job.kind]
    with unit_of_work(write=False):
        items = kind.items(db.session.get(Job, job_id))
    size = batch_size or kind.batch_size
    committed, done = dict(job.result or {}), 0
    try:
        while done < len(items):
            chunk = items[done:done + size]
            with unit_of_work():
                job = db.session.get(Job, job_id)
                if job.cancel_requested:
                    break
                context = _context(job, committed)
                _apply_batch(kind, context, chunk)
                job.done, job.result, job.heartbeat_at = done + len(chunk), dict(context.tally), utcnow()
            committed, done = dict(context.tally), done + len(chunk)
    except Exception as exc:
        log.exception("job %s failed at item %s", job_id, done)
        _finish(kind, job_id, "failed", {**committed, "error": _message(exc),
                                          "stoppedAt": {"done": done, **kind.where(items[done])}})
        return
    if done < len(items):
        _finish(kind, job_id, "cancelled", {**committed, "stoppedAt": {"done": done, **kind.where(items[done])}})
    else:
        _finish(kind, job_id, "succeeded", committed)


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


def _finish(kind: JobKind, job_id: int, status: str, result: dict) -> None:
    with unit_of_work():
        job = db.session.get(Job, job_id)
        context = _context(job, result)
        if kind.finish is not None:
            kind.finish(context)
        _end(job, status, context.tally)


def _end(job: Job, status: str, result: dict) -> None:
    job.status, job.result, job.finished_at = status, result, utcnow()


def _message(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:500]
