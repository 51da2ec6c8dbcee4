"""POST /api/EndUsers/import: a CSV file in, a 202 naming the job that imports it."""
from flask import jsonify, url_for

from app.domain_errors import Invalid
from app.end_users.api import bp, guard
from app.end_users.import_form import UPLOAD_SCHEMA, ImportForm, allow_large_upload, uploaded_bytes
from app.end_users.importing import start_import
from app.jobs.serializers import JOB, JOB_SCHEMA
from app.jsonforms import form_errors
from app.openapi import documented
from app.request_scope import current_scope

bp.url_value_preprocessor(lambda endpoint, values: allow_large_upload("api_end_users.import_csv", values))


@bp.post("/EndUsers/import")
@documented(
    summary="Import end users from a CSV file as a background job (poll the job in Location)",
    upload=UPLOAD_SCHEMA,
    responses={202: ("Queued; Location names the job (GET /api/Jobs/{id})", JOB_SCHEMA),
               413: ("The file is larger than IMPORT_MAX_BYTES (20 MB)", None)},
)
@guard
def import_csv():
    customer_id, actor = current_scope()
    form = ImportForm(meta={"csrf": False})
    if not form.validate():
        raise Invalid(form_errors(form.errors))
    job = start_import(customer_id, actor, form.file.data.filename, uploaded_bytes(form), form.mode.data or "upsert",
                       bool(form.dryRun.data))
    return jsonify(JOB.dump(job)), 202, {"Location": url_for("api_jobs.get", job_id=job.id)}
