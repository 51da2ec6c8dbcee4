"""Undo of a job's changes: each event it left is reverted (app/audit/revert.py), newest first.

An event whose record changed again since, or whose identifier now belongs to someone else, is
left as it is and counted as `failed` with the reason; the others are reverted. Up to INLINE
events are reverted inside the request; more run as an `undo` job.
"""
from app.actors import Actor
from app.audit.models import AuditEvent
from app.audit.revert import revert_event
from app.domain_errors import Conflict, Invalid
from app.jobs.models import Job
from app.jobs.operations import job_event_ids, job_label, queue_job
from app.jobs.runner import JobContext, JobKind, register_kind
from app.tenancy import ensure_owned, get_scoped
from app.unit_of_work import attempt

INLINE = 1000


def revert_one(customer_id: int, actor: Actor, event_id: int) -> str | None:
    """Revert one event in a savepoint; the reason when it could not be."""
    event = get_scoped(AuditEvent, customer_id, event_id)
    if event is None or event.reverted_by_event_id is not None:
        return None
    try:
        with attempt():
            revert_event(customer_id, actor, event)
    except (Conflict, Invalid) as exc:
        return f"{event.entity_label or event.entity_type}: {exc.title}"
    return None


def undo_job(customer_id: int, actor: Actor, job: Job) -> tuple[dict, Job | None]:
    """({"reverted", "failed", "reasons"}, None) when done here, or ({}, the queued undo job)."""
    ensure_owned(job, customer_id)
    ids = job_event_ids(customer_id, job)
    if not ids:
        raise Conflict("This job left no change to undo (or it was undone already).")
    if len(ids) > INLINE:
        return {}, queue_job(customer_id, actor, "undo", len(ids), {"jobID": job.id, "label": job_label(job)})
    result = {"reverted": 0, "failed": 0, "reasons": []}
    for event_id in ids:
        reason = revert_one(customer_id, actor, event_id)
        result["failed" if reason else "reverted"] += 1
        if reason and len(result["reasons"]) < 20:
            result["reasons"].append(reason)
    return result, None


def _items(job: Job) -> list[int]:
    target = get_scoped(Job, job.customer_id, job.params["jobID"])
    return job_event_ids(job.customer_id, target) if target else []


def _apply(context: JobContext, event_id: int) -> None:
    reason = revert_one(context.customer_id, context.actor, event_id)
    context.count("failed" if reason else "reverted")
    if reason:
        context.row_error(0, "", reason)


# Not resumable: its items are the events not yet reverted, a list that shrinks as it goes. An undo whose
# worker died ends failed; Undo on the first job again reverts what is left.
register_kind("undo", JobKind(items=_items, apply=_apply, where=lambda event_id: {"auditEventID": event_id},
                              resumable=False))
