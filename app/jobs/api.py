"""/api/Jobs: poll a background job, ask it to stop, read an import's refused rows, undo its changes."""
from flask import Blueprint, Response, jsonify, stream_with_context, url_for
from sqlalchemy import select

from app.auth.policies import requires
from app.csv_out import csv_chunks, safe_cell
from app.extensions import db
from app.jobs.models import Job, JobRowError
from app.jobs.operations import cancel_job
from app.jobs.serializers import JOB, JOB_SCHEMA, UNDO
from app.jobs.undo import undo_job
from app.openapi import documented, problem
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404

bp = Blueprint("api_jobs", __name__, url_prefix="/api")
guard = requires("TicketAccess")
FINISHED = ("The job has already ended", problem("JobEnded", jobStatus={"type": "string"}))


@bp.get("/Jobs/<int:job_id>")
@documented(summary="A background job: status, progress and result", responses={200: ("JobReadDTO", JOB_SCHEMA)})
@guard
def get(job_id):
    return jsonify(JOB.dump(get_scoped_or_404(Job, current_customer_id(), job_id)))


@bp.post("/Jobs/<int:job_id>/cancel")
@documented(summary="Stop a job after its current batch (a queued job never starts)", bodyless=True,
            responses={200: ("The job, cancelled or about to stop", JOB_SCHEMA), 409: FINISHED})
@guard
def cancel(job_id):
    customer_id, actor = current_scope()
    return jsonify(JOB.dump(cancel_job(customer_id, actor, get_scoped_or_404(Job, customer_id, job_id))))


@bp.post("/Jobs/<int:job_id>/undo")
@documented(summary="Revert every change a bulk change or import made (each record's own event, newest first)",
            bodyless=True,
            responses={200: ("Reverted here", UNDO.schema), 202: ("Queued as an undo job; Location names it", JOB_SCHEMA),
                       409: ("Nothing to undo", None)})
@guard
def undo(job_id):
    customer_id, actor = current_scope()
    result, queued = undo_job(customer_id, actor, get_scoped_or_404(Job, customer_id, job_id))
    if queued is not None:
        return jsonify(JOB.dump(queued)), 202, {"Location": url_for(".get", job_id=queued.id)}
    return jsonify(UNDO.dump(result))


def error_rows(customer_id: int, job_id: int):
    stmt = (select(JobRowError.line, JobRowError.column, JobRowError.message)
            .where(JobRowError.customer_id == customer_id, JobRowError.job_id == job_id)
            .order_by(JobRowError.line, JobRowError.id))
    for line, column, message in db.session.execute(stmt.execution_options(yield_per=1000)):
        yield [line, safe_cell(column), safe_cell(message)]


def errors_csv_response(customer_id: int, job: Job) -> Response:
    response = Response(stream_with_context(csv_chunks(["line", "column", "message"], error_rows(customer_id, job.id))),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="job-{job.id}-errors.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/Jobs/<int:job_id>/errors.csv")
@documented(summary="The rows an import refused, as CSV: line (the header is line 1), column, message",
            responses={200: ("The refused rows", {"type": "string"})}, media={200: "text/csv"})
@guard
def errors(job_id):
    customer_id = current_customer_id()
    return errors_csv_response(customer_id, get_scoped_or_404(Job, customer_id, job_id))
