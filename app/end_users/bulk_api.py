"""POST /api/EndUsers/bulk."""
from flask import jsonify, url_for

from app.domain_errors import Invalid
from app.dtos import Dto
from app.end_users.api import bp, guard
from app.end_users.bulk import BulkChangeForm, bulk_change, target_ids
from app.jobs.serializers import JOB, JOB_SCHEMA
from app.jsonforms import validate_json
from app.openapi import INTEGER, documented, nullable
from app.request_scope import current_scope

BULK_DONE = Dto("BulkChangeResult", {
    "count": ({"type": "integer", "minimum": 0}, lambda job: job.done if job else 0),
    "jobID": (nullable(INTEGER), lambda job: job.id if job else None),
}, description="Done: how many end users were changed; jobID names the change for POST /api/Jobs/{id}/undo "
               "(null when nothing matched).")


@bp.post("/EndUsers/bulk")
@documented(
    summary="Set the type of, or delete, many end users: by ids or by the list's filter",
    body=BulkChangeForm,
    responses={200: ("Done (up to 1,000 end users)", BULK_DONE.schema),
               202: ("More than 1,000: queued as a job; Location names it", JOB_SCHEMA)},
)
@guard
def bulk():
    customer_id, actor = current_scope()
    form, body = validate_json(BulkChangeForm)
    if ("ids" in body) == ("filter" in body):
        raise Invalid({"ids": ["Give either ids or filter."]})
    ids = target_ids(customer_id, form.ids.data if "ids" in body else None, body.get("filter"))
    if not ids:
        return jsonify(BULK_DONE.dump(None))
    job, done = bulk_change(customer_id, actor, ids, form.operation.data, form.value.data or None)
    if done:
        return jsonify(BULK_DONE.dump(job))
    return jsonify(JOB.dump(job)), 202, {"Location": url_for("api_jobs.get", job_id=job.id)}
