"""Dashboard: merge two end users (pick the other person, compare side by side, choose per field,
confirm, a toast with Undo) and the tenant-wide "Possible duplicates" page."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.auth.policies import requires
from app.end_users import queries
from app.end_users.duplicates import dismiss, duplicates_of, tenant_duplicates
from app.end_users.merge_forms import MergeForm
from app.end_users.merging import field_comparison, gone_if_merged, merge_end_users, merge_pair
from app.end_users.models import EndUser
from app.end_users.serializers import sorted_uids
from app.extensions import db
from app.htmx_helpers import toast, wants_partial
from app.jsonforms import form_errors
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404

bp = Blueprint("end_user_merge", __name__, url_prefix="/end-users")
guard = requires("TicketAccess")
CANDIDATES = 10
DUPLICATES_SHOWN = 100


def _primary(end_user: EndUser):
    uids = sorted_uids(end_user)
    return uids[0] if uids else None


def _people(customer_id: int, ids) -> dict[int, EndUser]:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(EndUser).where(
        EndUser.customer_id == customer_id, EndUser.id.in_(ids)))}


@bp.get("/<int:end_user_id>/merge")
@guard
def choose(end_user_id):
    """Step 1: search for the other person (their duplicates are suggested first)."""
    customer_id = current_customer_id()
    with gone_if_merged(customer_id, end_user_id):
        end_user = get_scoped_or_404(EndUser, customer_id, end_user_id)
    q = (request.args.get("q") or "").strip()[:200]
    if q:
        stmt = queries.end_user_list(customer_id, queries.ListFilters(search=q)).where(EndUser.id != end_user.id)
        found = [(u, None) for u in db.session.scalars(stmt.order_by(EndUser.lastname, EndUser.id).limit(CANDIDATES))]
    else:
        suggestions = duplicates_of(end_user)[:CANDIDATES]
        people = _people(customer_id, [s.second_id for s in suggestions])
        found = [(people[s.second_id], s.reason) for s in suggestions if s.second_id in people]
    context = dict(end_user=end_user, q=q, found=found, primary_uid=_primary)
    if wants_partial():
        return render_template("end_users/_merge_candidates.html", **context)
    return render_template("end_users/merge_choose.html", **context)


@bp.route("/<int:end_user_id>/merge/<int:source_id>", methods=["GET", "POST"])
@guard
def preview(end_user_id, source_id):
    """Step 2: both side by side, a choice per differing field; the POST merges."""
    customer_id, actor = current_scope()
    target, source = merge_pair(customer_id, end_user_id, source_id, lock=request.method == "POST")
    errors = {}
    if request.method == "POST":
        form = MergeForm()
        if form.validate() and form.sourceEndUserID.data == source.id:
            target_name, source_name = target.name or f"End user {target.id}", source.name or f"End user {source.id}"
            event = merge_end_users(customer_id, actor, target, source, form.choices())
            flash({"text": f"{source_name} was merged into {target_name}.",
                   "undo": url_for("audit.revert", event_id=event.id)}, "undo")
            return _go(url_for("end_users.detail", end_user_id=target.id))
        errors = form_errors(form.errors) or {"sourceEndUserID": ["This is not the person previewed."]}
    return render_template("end_users/merge_preview.html", target=target, source=source,
                           fields=field_comparison(target, source), errors=errors,
                           target_uids=sorted_uids(target), source_uids=sorted_uids(source)), 400 if errors else 200


def _go(target: str):
    if wants_partial():
        return "", 200, {"HX-Redirect": target}
    return redirect(target)


@bp.get("/duplicates")
@guard
def duplicates():
    customer_id = current_customer_id()
    pairs = tenant_duplicates(customer_id, DUPLICATES_SHOWN)
    people = _people(customer_id, [i for s in pairs for i in s.pair])
    rows = [(s, people[s.pair[0]], people[s.pair[1]]) for s in pairs if s.pair[0] in people and s.pair[1] in people]
    return render_template("end_users/duplicates.html", rows=rows, limit=DUPLICATES_SHOWN, primary_uid=_primary)


@bp.post("/duplicates/<int:first_id>/<int:second_id>/dismiss")
@guard
def dismiss_pair(first_id, second_id):
    customer_id, actor = current_scope()
    first, second = merge_pair(customer_id, first_id, second_id)
    dismiss(customer_id, actor, first, second)
    message = f"{first.name or first.id} and {second.name or second.id} will not be suggested again."
    if wants_partial():
        return toast("", message)
    flash(message)
    return redirect(url_for(".duplicates"))


