"""The end-user screens: list with live search, create/edit with identifier rows, detail, lookup.

htmx conventions (app/htmx_helpers.py): an htmx request gets the partial; form errors come back
as 200 with the re-rendered form; success sends a toast or an HX-Redirect.
"""
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from app.audit.undo import flash_deleted
from app.auth.policies import requires
from app.channels.models import CHANNEL_TYPES
from app.domain_errors import Conflict, Invalid
from app.end_users import queries
from app.end_users.forms import AssignUIDForm, EndUserUpdateForm
from app.end_users.models import CUSTOMER_TYPES, EndUser
from app.end_users.operations import (
    IdentifierConflict,
    assign_uid,
    create_end_user,
    delete_end_user,
    update_end_user,
)
from app.end_users.serializers import end_user_etag, profile, sorted_uids
from app.htmx_helpers import toast, wants_partial
from app.pagination import page_query, paginate, paginated_result
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404
from app.tickets.models import TICKET_STATUSES, Ticket
from app.unit_of_work import attempt
from app.versions import matches

bp = Blueprint("end_users", __name__, url_prefix="/end-users")
guard = requires("TicketAccess")

PAGE_SIZES = (10, 25, 50, 100)
UID_TYPES = ("Email", "Phone", "WhatsApp")
_ROW_KEY = re.compile(r"^uids-(\d+)-(\w+)$")


# ---- List and lookup ----------------------------------------------------------------------

@bp.get("/")
@guard
def index():
    customer_id = current_customer_id()
    filters = queries.list_filters(request.args)
    sortable = queries.sortable_columns()
    page = page_query(sortable, "lastname")
    rows, total = paginate(queries.end_user_list(customer_id, filters), page, sortable, EndUser.id)
    def list_url(**changes):
        params = {"search": filters.search, "customerType": filters.customer_type, "sortBy": page.sort_by,
                  "sortOrder": "desc" if page.descending else "asc", "pageSize": page.page_size,
                  "pageNumber": page.page_number, **changes}
        return url_for(".index", **{k: v for k, v in params.items() if v not in ("", None)})

    context = dict(
        filters=filters, page=page, result=paginated_result(rows, total, page),
        latest={u.id: u.last_interaction_at for u in rows}, page_sizes=PAGE_SIZES,
        customer_types=CUSTOMER_TYPES, primary_uid=_primary_uid,
        list_url=list_url, page_url=lambda n: list_url(pageNumber=n),
    )
    if wants_partial():
        return render_template("end_users/_results.html", oob=True, **context)
    return render_template("end_users/index.html", **context)


def _primary_uid(end_user: EndUser):
    uids = sorted_uids(end_user)
    return uids[0] if uids else None


@bp.get("/lookup")
@guard
def lookup():
    value = (request.args.get("q") or "").strip()
    found = queries.find_by_identifier(current_customer_id(), value) if value else []
    if len(found) == 1:
        return redirect(url_for(".detail", end_user_id=found[0].id))
    return render_template("end_users/lookup.html", q=value, found=found, primary_uid=_primary_uid)


# ---- Create and edit --------------------------------------------------------------------

def _renumbered(formdata, remove: int | None = None, add: bool = False) -> MultiDict:
    """Posted form -> form names: rows numbered 0..n-1 (one removed or added), and the
    `primary` radio turned into that row's isPrimary."""
    out, rows = MultiDict(), {}
    for key, value in formdata.items(multi=True):
        match = _ROW_KEY.match(key)
        if match:
            rows.setdefault(int(match[1]), []).append((match[2], value))
        elif key != "primary":
            out.add(key, value)
    primary = formdata.get("primary")
    kept = [old for old in sorted(rows) if old != remove]
    for new, old in enumerate(kept):
        for name, value in rows[old]:
            if name != "isPrimary":
                out.add(f"uids-{new}-{name}", value)
        if primary == str(old):
            out.add(f"uids-{new}-isPrimary", "y")
    if add:
        out.add(f"uids-{len(kept)}-uidType", "Phone" if kept else "Email")
        out.add(f"uids-{len(kept)}-uid", "")
        if not kept:
            out.add("uids-0-isPrimary", "y")
    return out


def _attach(form: EndUserUpdateForm, errors: dict) -> None:
    """Errors found while saving (keyed `uids[1].uid`) go beside the exact field."""
    for key, messages in errors.items():
        match = re.match(r"^uids\[(\d+)\]\.(\w+)$", key)
        if match and int(match[1]) < len(form.uids.entries):
            target = form.uids.entries[int(match[1])].form[match[2]]
        else:
            target = form[key] if key in form else None
        if target is not None:
            target.errors = [*target.errors, *messages]
        else:
            form.form_errors.extend(messages)


def _render_form(form, end_user=None, conflicts=None, focus=None, status=200, version=None):
    """`version`: the end user's version the form carries (the one first shown, kept while rows
    are added or errors fixed), so a save never overwrites someone else's change in silence."""
    template = "end_users/_form.html" if wants_partial() else "end_users/form.html"
    if end_user is not None and version is None:
        version = request.form.get("version") or end_user_etag(end_user)
    return render_template(template, form=form, end_user=end_user, conflicts=conflicts or {}, version=version,
                           uid_types=UID_TYPES, customer_types=CUSTOMER_TYPES, focus=focus), status


STALE_EDIT = ("Someone else changed this end user meanwhile, so nothing was saved. The form still shows your "
              "values: check them against the current ones (reload in another tab) and save again to replace theirs.")


def _save(end_user: EndUser | None):
    customer_id, actor = current_scope()
    form = EndUserUpdateForm(formdata=_renumbered(request.form))
    conflicts, creating = {}, end_user is None
    seen = request.form.get("version")
    if not creating and seen and not matches(seen, end_user_etag(end_user)):
        form.validate()
        form.form_errors.append(STALE_EDIT)
        return _render_form(form, end_user, version=end_user_etag(end_user), status=200 if wants_partial() else 409)
    if form.validate():
        try:
            with attempt():
                if end_user is None:
                    end_user = create_end_user(customer_id, actor, form.data)
                else:
                    update_end_user(customer_id, actor, end_user, form.data, remove_missing=True)
            flash(f"{end_user.name or 'End user'} was {'created' if creating else 'saved'}.")
            target = url_for(".detail", end_user_id=end_user.id)
            if wants_partial():
                return "", 200, {"HX-Redirect": target}
            return redirect(target)
        except IdentifierConflict as exc:
            conflicts = {int(re.search(r"\d+", c.field)[0]): c.owner for c in exc.conflicts}
        except (Invalid, Conflict) as exc:  # a rule, or an identifier saved meanwhile by someone else
            _attach(form, exc.errors or {"body": [exc.title]})
    return _render_form(form, end_user if end_user is not None and end_user.id else None, conflicts,
                        status=200 if wants_partial() else 400)


@bp.route("/new", methods=["GET", "POST"])
@guard
def new():
    if request.method == "POST":
        return _save(None)
    form = EndUserUpdateForm(formdata=None, data={"customerType": "Lead", "uids": [
        {"uidType": "Email", "uid": "", "isPrimary": True}]})
    return _render_form(form)


@bp.route("/<int:end_user_id>/edit", methods=["GET", "POST"])
@guard
def edit(end_user_id):
    # a save reads the end user under its row lock: of two racing saves of one version, one is stale
    end_user = get_scoped_or_404(EndUser, current_customer_id(), end_user_id, lock=request.method == "POST")
    if request.method == "POST":
        return _save(end_user)
    data = {**profile(end_user), "uids": [
        {"endUserUIDID": u.id, "uidType": u.uid_type, "uid": u.uid, "isPrimary": u.is_primary}
        for u in sorted_uids(end_user)]}
    return _render_form(EndUserUpdateForm(formdata=None, data=data), end_user)


@bp.post("/form/rows")
@guard
def form_rows():
    """Add or remove an identifier row without saving: the form comes back with everything typed."""
    end_user_id = request.args.get("end_user_id", type=int)
    end_user = get_scoped_or_404(EndUser, current_customer_id(), end_user_id) if end_user_id else None
    op, index = request.args.get("op"), request.args.get("index", type=int)
    formdata = _renumbered(request.form, remove=index if op == "remove" else None, add=op == "add")
    form = EndUserUpdateForm(formdata=formdata)
    focus = len(form.uids.entries) - 1 if op == "add" else None
    return _render_form(form, end_user, focus=focus)


# ---- Detail, identifiers, tickets, delete ---------------------------------------------------

def _tickets_context(end_user: EndUser) -> dict:
    filters = queries.ticket_filters(request.args)
    sortable = queries.ticket_sortable_columns()
    order = "asc" if request.args.get("sortBy") else "desc"
    page = page_query(sortable, "lastMessageDate", order)
    rows, total = paginate(queries.ticket_history(end_user, filters), page, sortable, Ticket.id)
    args = request.args.to_dict()

    def ticket_page_url(number):
        return url_for(".tickets", end_user_id=end_user.id, **{**args, "pageNumber": number, "cursor": None})

    return dict(ticket_filters=filters, tickets=paginated_result(rows, total, page),
                extras=queries.ticket_extras(end_user.customer_id, rows), ticket_page=page, ticket_page_url=ticket_page_url)


def _detail_context(end_user: EndUser, assign_form=None, assign_conflict=None) -> dict:
    return dict(
        end_user=end_user, uids=sorted_uids(end_user), insights=queries.insights(end_user),
        assign_form=assign_form or AssignUIDForm(formdata=None, data={"uidType": "Email", "endUserID": end_user.id}),
        assign_conflict=assign_conflict, uid_types=UID_TYPES, statuses=TICKET_STATUSES,
        channel_types=CHANNEL_TYPES, **_tickets_context(end_user),
    )


@bp.get("/<int:end_user_id>")
@guard
def detail(end_user_id):
    end_user = get_scoped_or_404(EndUser, current_customer_id(), end_user_id)
    return render_template("end_users/detail.html", **_detail_context(end_user))


@bp.get("/<int:end_user_id>/tickets")
@guard
def tickets(end_user_id):
    end_user = get_scoped_or_404(EndUser, current_customer_id(), end_user_id)
    if wants_partial():
        return render_template("end_users/_tickets.html", end_user=end_user, **_tickets_context(end_user))
    return render_template("end_users/detail.html", **_detail_context(end_user))


@bp.post("/<int:end_user_id>/identifiers")
@guard
def assign(end_user_id):
    customer_id, actor = current_scope()
    end_user = get_scoped_or_404(EndUser, customer_id, end_user_id)
    form = AssignUIDForm(region=end_user.country)
    conflict, message = None, None
    if form.endUserID.data not in (None, end_user.id):
        abort(400)
    if form.validate():
        try:
            with attempt():
                uid, created = assign_uid(customer_id, actor, end_user, form.uidType.data, form.uid.data,
                                          form.isPrimary.data)
            message = f"{uid.uid} was added." if created else f"{uid.uid} was already linked to {end_user.name or 'this end user'}."
            form = None
        except IdentifierConflict as exc:
            conflict = exc.conflicts[0]
            form.uid.errors = [*form.uid.errors, "This identifier already belongs to another end user."]
        except Conflict as exc:
            form.uid.errors = [*form.uid.errors, exc.title]
    context = dict(end_user=end_user, uids=sorted_uids(end_user), uid_types=UID_TYPES,
                   assign_form=form or AssignUIDForm(formdata=None, data={"uidType": "Email", "endUserID": end_user.id}),
                   assign_conflict=conflict)
    body = render_template("end_users/_identifiers.html", **context)
    if not wants_partial():
        if message:
            flash(message)
        return redirect(url_for(".detail", end_user_id=end_user.id)) if message else (
            render_template("end_users/detail.html", **_detail_context(end_user, form, conflict)), 400)
    return toast(body, message) if message else body


@bp.route("/<int:end_user_id>/delete", methods=["GET", "POST"])
@guard
def delete(end_user_id):
    customer_id, actor = current_scope()
    end_user = get_scoped_or_404(EndUser, customer_id, end_user_id)
    if request.method == "GET":
        return render_template("end_users/delete.html", end_user=end_user, uid_count=len(end_user.uids))
    name, ident = end_user.name or f"End user {end_user.id}", end_user.id
    count = delete_end_user(customer_id, actor, end_user)
    flash_deleted(f"{name} was deleted with {count} identifier{'' if count == 1 else 's'}.", customer_id, "EndUser", ident)
    return redirect(url_for(".index"))


from app.end_users import bulk_views, import_views  # noqa: E402,F401  (their routes live on this blueprint)
