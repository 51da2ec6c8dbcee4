"""Writes for jobs: create one (queued once its transaction commits), ask one to stop, undo one.

A job is audited as a record of its own: its creation (`Create`, entityType `Job`) and a cancel
(`Update`); what the job then does leaves the events of the records it writes, by the Job actor,
and an import adds one `Import` event with its counts when it ends (app/end_users/importing.py).
"""
from sqlalchemy import select

from app.actors import Actor
from app.audit.models import AuditEvent
from app.audit.recorder import EntityKind, audited, register
from app.domain_errors import Conflict
from app.extensions import db
from app.jobs.models import Job, JobEvent
from app.jobs.queue import enqueue_after_commit
from app.tenancy import ensure_owned
from app.timeutil import utcnow

LABELS = {"import": "Import", "bulk": "Bulk change", "undo": "Undo"}


def job_label(job: Job) -> str:
    what = (job.params or {}).get("label")
    return f"{LABELS.get(job.kind, job.kind)} job {job.id}" + (f": {what}" if what else "")


def _snapshot(job: Job) -> dict:
    return {"kind": job.kind, "status": job.status, "total": job.total, "cancelRequested": bool(job.cancel_requested),
            **{k: v for k, v in (job.params or {}).items() if k in ("label", "mode", "dryRun", "operation", "value")}}


register(Job, EntityKind("Job", job_label, _snapshot))


def _new_job(customer_id: int, actor: Actor, kind: str, total: int, params: dict, payload: bytes | None,
             status: str = "queued") -> Job:
    return Job(customer_id=customer_id, kind=kind, status=status, total=total, done=0, params=params, result={},
               payload=payload, actor_type=actor.type, actor_id=None if actor.id is None else str(actor.id),
               actor_name=actor.name)


def queue_job(customer_id: int, actor: Actor, kind: str, total: int, params: dict, payload: bytes | None = None) -> Job:
    """A queued job (one Create event); a worker picks it up after the commit."""
    job = _new_job(customer_id, actor, kind, total, params, payload)
    with audited(customer_id, actor, "Create", job):
        db.session.add(job)
        db.session.flush()
    enqueue_after_commit(job)
    return job


def finished_job(customer_id: int, actor: Actor, kind: str, result: dict, params: dict, event_ids: list[int]) -> Job:
    """The record of work done inside the request (a small bulk change): what its Undo reverts.
    It leaves no event of its own: the records' events are the change."""
    count = result.get("count", 0)
    job = _new_job(customer_id, actor, kind, count, params, None, status="succeeded")
    job.done, job.result = count, result
    job.started_at = job.finished_at = utcnow()
    db.session.add(job)
    db.session.flush()
    db.session.add_all([JobEvent(customer_id=customer_id, job_id=job.id, audit_event_id=i) for i in event_ids])
    return job


def cancel_job(customer_id: int, actor: Actor, job: Job) -> Job:
    """Ask the job to stop after its current batch (a queued job never starts)."""
    ensure_owned(job, customer_id)
    if job.finished:
        raise Conflict(f"This job has already ended ({job.status}); there is nothing to cancel.", jobStatus=job.status)
    with audited(customer_id, actor, "Update", job):
        job.cancel_requested = True
        if job.status == "queued":
                    job.status, job.finished_at = "cancelled", utcnow()
        db.session.flush()
    return job


def job_event_ids(customer_id: int, job: Job) -> list[int]:
    """The events the job's writes left, newest first (the order an undo reverts them in)."""
    return list(db.session.scalars(
        select(JobEvent.audit_event_id).join(AuditEvent, AuditEvent.id == JobEvent.audit_event_id)
        .where(JobEvent.customer_id == customer_id, JobEvent.job_id == job.id,
               AuditEvent.reverted_by_event_id.is_(None))
        .order_by(JobEvent.audit_event_id.desc())))
