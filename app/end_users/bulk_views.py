"""Bulk changes from the end-user list: the checked rows, or every row the filters match.

The list posts its checkboxes and filters to /bulk/confirm (a page stating the count and the
change, read-only); its Confirm posts the same to /bulk, which applies the change through the
same form and code as POST /api/EndUsers/bulk and returns to the list with a toast whose Undo
reverts it. More than 1,000 people: the job panel instead.
"""
from flask import flash, redirect, render_template, request, url_for

from app.domain_errors import Conflict, DomainError, Invalid
from app.end_users.bulk import BulkChangeForm, bulk_change, describe, target_ids
from app.end_users.models import CUSTOMER_TYPES
from app.end_users.views import bp, guard
from app.jobs.models import Job
from app.jobs.undo import undo_job
from app.jsonforms import validate_json
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404

CHOICES = [*(f"setCustomerType:{t}" for t in CUSTOMER_TYPES), "delete"]


def _list_url() -> str:
    args = {k: request.form.get(k) for k in ("search", "customerType") if request.form.get(k)}
    return url_for(".index", **args)


def _request():
    """(body, ids) from the posted list form, validated as the API's body; Invalid when it is not."""
    operation, _, value = request.form.get("change", "").partition(":")
    body = {"operation": operation, **({"value": value} if value else {})}
    if request.form.get("scope") == "all":
        body["filter"] = {k: request.form.get(k) for k in ("search", "customerType") if request.form.get(k)}
    else:
        try:
            body["ids"] = [int(i) for i in request.form.getlist("ids")]
        except ValueError:
            raise Invalid({"ids": ["Not an end user id."]}) from None
        if not body["ids"]:
            raise Invalid({"ids": ["Tick the end users to change, or choose all matching."]})
    form, _ = validate_json(BulkChangeForm, body=body)
    return form, target_ids(current_customer_id(), body.get("ids"), body.get("filter"))


def _refused(exc: DomainError):
    messages = [m for found in (exc.errors or {}).values() for m in found] or [exc.title]
    flash(" ".join(messages), "error")
    return redirect(_list_url())


@bp.post("/bulk/confirm")
@guard
def bulk_confirm():
    try:
        form, ids = _request()
    except DomainError as exc:
        return _refused(exc)
    return render_template("end_users/bulk_confirm.html", count=len(ids), form=request.form,
                           change=describe(form.operation.data, form.value.data, len(ids)), list_url=_list_url(),
                           deleting=form.operation.data == "delete")


@bp.post("/bulk")
@guard
def bulk():
    customer_id, actor = current_scope()
    try:
        form, ids = _request()
    except DomainError as exc:
        return _refused(exc)
    if not ids:
        flash("No end user matches: nothing was changed.", "info")
        return redirect(_list_url())
    job, done = bulk_change(customer_id, actor, ids, form.operation.data, form.value.data or None)
    if not done:
        return redirect(url_for(".job_status", job_id=job.id))
    flash({"text": describe(form.operation.data, form.value.data, len(ids)) + ".",
           "undo": url_for(".undo_job_changes", job_id=job.id)}, "undo")
    return redirect(_list_url())


@bp.post("/jobs/<int:job_id>/undo")
@guard
def undo_job_changes(job_id):
    customer_id, actor = current_scope()
    job = get_scoped_or_404(Job, customer_id, job_id)
    try:
        result, queued = undo_job(customer_id, actor, job)
    except Conflict as exc:
        flash(exc.title, "error")
        return redirect(url_for(".index"))
    if queued is not None:
        return redirect(url_for(".job_status", job_id=queued.id))
    message = f"Undone: {result['reverted']} end user{'' if result['reverted'] == 1 else 's'} back as they were."
    if result["failed"]:
        message += f" {result['failed']} could not be: " + " ".join(result["reasons"][:3])
    flash(message, "error" if result["failed"] else "success")
    return redirect(url_for(".index"))
