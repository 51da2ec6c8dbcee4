"""The dashboard's Import page and the job panel it polls (also shown for a large bulk change).

Upload -> a job (dry run or real) -> `_job.html`, which polls itself every second while the job
runs (htmx `load delay:1s`) and shows the report when it ends: the counts, the first refused rows
with a link to errors.csv, the first rows of the file, and after a dry run a button that imports
the same file for real.
"""
from flask import abort, render_template, request, url_for
from sqlalchemy import select

from app.domain_errors import Invalid
from app.end_users.import_form import ImportForm, allow_large_upload, max_import_bytes, uploaded_bytes
from app.end_users.importing import start_import
from app.end_users.views import bp, guard
from app.extensions import db
from app.jobs.api import errors_csv_response
from app.jobs.models import Job, JobRowError
from app.jobs.operations import job_label
from app.htmx_helpers import wants_partial
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404
from app.unit_of_work import attempt

SHOWN_ERRORS = 20

bp.url_value_preprocessor(lambda endpoint, values: allow_large_upload("end_users.import_page", values))


def _form_page(form, status=200):
    template = "end_users/_import_form.html" if wants_partial() else "end_users/import.html"
    return render_template(template, form=form, limit_mb=max_import_bytes() // (1024 * 1024)), status


@bp.route("/import", methods=["GET", "POST"])
@guard
def import_page():
    form = ImportForm(formdata=None, data={"mode": "upsert"}) if request.method == "GET" else ImportForm()
    if request.method == "GET":
        return _form_page(form)
    if form.validate():
        customer_id, actor = current_scope()
        try:
            with attempt():
                job = start_import(customer_id, actor, form.file.data.filename, uploaded_bytes(form),
                                   form.mode.data or "upsert", request.form.get("action") == "check")
            return _job_panel(job)
        except Invalid as exc:
            form.file.errors = [*form.file.errors, *exc.errors.get("file", [exc.title])]
    return _form_page(form, 200 if wants_partial() else 400)


def _job_panel(job: Job):
    customer_id = current_customer_id()
    errors = db.session.execute(
        select(JobRowError.line, JobRowError.column, JobRowError.message)
        .where(JobRowError.customer_id == customer_id, JobRowError.job_id == job.id)
        .order_by(JobRowError.line, JobRowError.id).limit(SHOWN_ERRORS)).all() if job.finished else []
    context = dict(job=job, label=job_label(job), errors=errors, shown_errors=SHOWN_ERRORS,
                   percent=int(100 * job.done / job.total) if job.total else (100 if job.finished else 0))
    if wants_partial():
        return render_template("end_users/_job.html", **context)
    return render_template("end_users/job.html", **context)


@bp.get("/jobs/<int:job_id>")
@guard
def job_status(job_id):
    return _job_panel(get_scoped_or_404(Job, current_customer_id(), job_id))


@bp.get("/jobs/<int:job_id>/errors.csv")
@guard
def job_errors(job_id):
    customer_id = current_customer_id()
    return errors_csv_response(customer_id, get_scoped_or_404(Job, customer_id, job_id))


@bp.post("/jobs/<int:job_id>/run")
@guard
def run_import(job_id):
    """Import for real the file a dry run checked."""
    customer_id, actor = current_scope()
    checked = get_scoped_or_404(Job, customer_id, job_id)
    if checked.kind != "import" or not (checked.params or {}).get("dryRun"):
        abort(400)
    job = start_import(customer_id, actor, checked.params.get("label"), checked.payload, checked.params["mode"], False)
    if wants_partial():
        return _job_panel(job), 200, {"HX-Push-Url": url_for(".job_status", job_id=job.id)}
    return _job_panel(job)
