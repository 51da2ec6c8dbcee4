"""Dashboard: the tenant's Activity page, its CSV export, and the History panels of records.

- /activity/ (Admins, ManageSettings): every event, newest first, 25 a page, filtered by person,
  record type, action and days (UTC). The filters are the API's (app/audit/queries.py
  `filtered_events` over the AuditEventQuery form): one rule for both faces.
- /activity/export.csv: the same filters, streamed as CSV. Events never hold a secret, so neither
  does the file.
- /activity/history?entityType=EndUser&entityId=5: one record's latest events, the partial the
  end-user and action pages load after they render; ?entityType=HookAction&contextKey=... the
  same for one execution-order list (its reorders and its links' changes). An end user's history is open to everyone
  with TicketAccess (Agents work with end users); every other record's needs ManageSettings.

Reverting an event comes later: the templates leave a marked place for its button
(templates/audit/_macros.html `revert_control`).
"""
import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.audit import queries
from app.audit.forms import ENTITY_TYPES, ActivityQuery, HistoryQuery
from app.audit.models import ACTIONS, AuditEvent
from app.audit.revert import revert_event
from app.auth.policies import requires
from app.csv_out import csv_chunks, safe_cell
from app.domain_errors import Invalid
from app.errors import same_site_referrer
from app.htmx_helpers import wants_partial
from app.jsonforms import validate_query
from app.pagination import page_query, paginate, paginated_result
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404
from app.timeutil import iso, utcnow

bp = Blueprint("audit", __name__, url_prefix="/activity")

PAGE_SIZE = 25
HISTORY_SIZE = 20
SORTABLE = {"occurredAt": AuditEvent.occurred_at}
OPEN_TO_AGENTS = ("EndUser",)
LIST_TYPES = ("TopicAction", "HookAction")  # execution-order lists: a History by contextKey  # records whose History an Agent (TicketAccess) may read
CSV_COLUMNS = ("occurredAt", "actorType", "actorId", "actorName", "action", "entityType", "entityId", "entityLabel",
               "changes")

ENTITY_LABELS = {"Customer": "Settings", "Representative": "Representative", "EndUser": "End user",
                 "Action": "Action", "TopicAction": "Topic link", "HookAction": "Hook link", "Topic": "Topic",
                 "Channel": "Channel", "Document": "Document", "Ticket": "Ticket", "AIModel": "AI model"}
ACTOR_LABELS = {"Representative": "Representative", "ApiKey": "API key", "PhoneChannel": "Phone channel",
                "Cli": "Command line", "Job": "Job", "System": "System"}
LIST_ITEMS_SHOWN = 12


@bp.context_processor
def _labels():
    return {"entity_labels": ENTITY_LABELS, "actor_labels": ACTOR_LABELS}


# ---- How values read --------------------------------------------------------------------------

def _item(value) -> str:
    if isinstance(value, dict) and "uid" in value:  # an end user's identifier
        return f"{value.get('uidType') or 'Email'} {value['uid']}" + (" (primary)" if value.get("isPrimary") else "")
    return readable(value)


@bp.app_template_filter("audit_value")
def readable(value) -> str:
    """One value of a change as people read it: lists compact, yes/no, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if value is True or value is False:
        return "yes" if value else "no"
    if isinstance(value, list):
        if not value:
            return "(none)"
        shown = ", ".join(_item(v) for v in value[:LIST_ITEMS_SHOWN])
        return shown + (f" … (+{len(value) - LIST_ITEMS_SHOWN} more)" if len(value) > LIST_ITEMS_SHOWN else "")
    if isinstance(value, dict):
        return ", ".join(f"{key}: {readable(item)}" for key, item in value.items()) or "(none)"
    return str(value)


@bp.app_template_filter("audit_order")
def readable_order(ids, names: dict) -> str:
    """A list's order as its actions' names, 1. first; a link removed since by its id."""
    if not ids:
        return "(empty)"
    return ", ".join(f"{n}. {names.get(ident, f'link {ident}')}" for n, ident in enumerate(ids, start=1))


@bp.app_template_filter("audit_ago")
def ago(value) -> str:
    """"5 min ago" for the last month; nothing for older events (the date says it)."""
    if value is None:
        return ""
    seconds = (utcnow() - value).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'' if days == 1 else 's'} ago" if days <= 30 else ""


# ---- Filters ----------------------------------------------------------------------------------

def _form_args() -> MultiDict:
    """The query string in the form's names: the person select sends `actor` (`Cli`,
    `Representative:5`), which stands for actorType and actorId."""
    args = MultiDict(request.args)
    actor = (args.pop("actor", "") or "").strip()
    if actor:
        kind, _, ident = actor.partition(":")
        args["actorType"], args["actorId"] = kind, ident
    return args


def _filters():
    """(validated ActivityQuery, what the form shows, the parameters that keep these filters in a URL)."""
    args = _form_args()
    query = validate_query(ActivityQuery, args)
    actor_type, actor_id = query.actorType.data or "", (query.actorId.data or "").strip()
    shown = {
        "actor": f"{actor_type}:{actor_id}" if actor_id else actor_type,
        "entityType": query.entityType.data or "", "entityId": query.entityId.data, "action": query.action.data or "",
        "from": query["from"].data.date().isoformat() if query["from"].data else "",
        "to": query.to.data.date().isoformat() if query.to.data else "",
    }
    params = {"actor": shown["actor"], "entityType": shown["entityType"],
              "entityId": shown["entityId"], "action": shown["action"],
              "from": (args.get("from") or "").strip(), "to": (args.get("to") or "").strip()}
    return query, shown, {key: value for key, value in params.items() if value not in ("", None)}


def _actor_choices(customer_id: int, selected: str) -> list[tuple[str, str]]:
    choices = [("", "Everyone"), ("Cli", "Command line")]
    for rep in queries.representatives(customer_id):
        choices.append((f"Representative:{rep.id}", rep.display_name + ("" if rep.is_active else " (inactive)")))
    if selected and selected not in {value for value, _ in choices}:  # a filter named in the URL
        kind, _, ident = selected.partition(":")
        choices.append((selected, " ".join(filter(None, (ACTOR_LABELS.get(kind, kind), ident)))))
    return choices


def _record_links(customer_id: int, events) -> tuple[dict, set]:
    """{event id: the record's page} for records that have one and still exist, and the ids of
    events whose record is gone."""
    existing = queries.existing_records(customer_id, events)
    links, gone = {}, set()
    for event in events:
        kind, ident = event.entity_type, event.entity_id
        if kind == "Customer":
            links[event.id] = url_for("customers.settings")
        elif kind == "SsoSettings":
            links[event.id] = url_for("sso.settings")
        elif kind in ("TopicAction", "HookAction") and ident is None:  # a reorder: the list itself
            links[event.id] = url_for("actions.order")
        elif kind in queries.RECORD_MODELS and ident is not None:
            if (kind, ident) not in existing:
                gone.add(event.id)
            elif kind == "EndUser":
                links[event.id] = url_for("end_users.detail", end_user_id=ident)
            elif kind == "Action":
                links[event.id] = url_for("actions.edit", action_id=ident)
            elif kind == "Topic":
                links[event.id] = url_for("topics.index")
            elif kind == "Channel":
                links[event.id] = url_for("channels.index")
            else:
                links[event.id] = url_for("actions.order")
    return links, gone


# ---- Activity page and export -------------------------------------------------------------------

@bp.get("/")
@requires("ManageSettings")
def index():
    customer_id = current_customer_id()
    query, shown, params = _filters()
    page = page_query(SORTABLE, "occurredAt", "desc", page_size=PAGE_SIZE)
    rows, total = paginate(queries.filtered_events(customer_id, query), page, SORTABLE, AuditEvent.id)
    if page.page_size != PAGE_SIZE:
        params["pageSize"] = page.page_size
    links, gone = _record_links(customer_id, rows)
    context = dict(
        filters=shown, result=paginated_result(rows, total, page), links=links, gone=gone,
        page_url=lambda number: url_for(".index", **params, pageNumber=number),
        export_url=url_for(".export", **{k: v for k, v in params.items() if k != "pageSize"}),
        all_records_url=url_for(".index", **{k: v for k, v in params.items() if k not in ("entityId", "pageSize")}),
        record_label=next((e.entity_label for e in rows if e.entity_label), None),
        actor_choices=_actor_choices(customer_id, shown["actor"]), entity_types=ENTITY_TYPES, actions=ACTIONS,
        filtered=bool(params.keys() - {"pageSize"}),
    )
    if wants_partial():
        return render_template("audit/_results.html", **context)
    return render_template("audit/index.html", **context)


def _csv_lines(stmt):
    yield from csv_chunks(CSV_COLUMNS, ([
        iso(event.occurred_at), event.actor_type, safe_cell(event.actor_id), safe_cell(event.actor_name), event.action,
        event.entity_type, "" if event.entity_id is None else event.entity_id, safe_cell(event.entity_label),
        json.dumps(event.changes or {}, ensure_ascii=False),
    ] for event in queries.each_event(stmt)))


@bp.get("/export.csv")
@requires("ManageSettings")
def export():
    query, _, _ = _filters()  # validated before the answer starts: a bad filter is still a 400
    stmt = queries.filtered_events(current_customer_id(), query)
    response = Response(stream_with_context(_csv_lines(stmt)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="activity-{utcnow():%Y%m%d-%H%M%S}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- History of one record ------------------------------------------------------------------------

@bp.get("/history")
@requires("TicketAccess")
def history():
    query = validate_query(HistoryQuery, request.args)
    entity_type, entity_id = query.entityType.data, query.entityId.data
    context_key = (query.contextKey.data or "").strip() if entity_type in LIST_TYPES else ""
    missing = {name: ["This field is required."] for name, value in (("entityType", entity_type), ("entityId", entity_id))
               if value in ("", None) and not (name == "entityId" and context_key)}
    if missing:
        raise Invalid(missing)
    can_manage = current_user.has_policy("ManageSettings")
    if entity_type not in OPEN_TO_AGENTS and not can_manage:
        abort(403)
    customer_id = current_customer_id()
    if context_key:
        events, total = queries.list_history(customer_id, entity_type, context_key, HISTORY_SIZE)
    else:
        events, total = queries.record_history(customer_id, entity_type, entity_id, HISTORY_SIZE)
    on_record = can_manage and total and not context_key
    context = dict(
        events=events, total=total,
        order_names=queries.link_names(customer_id, entity_type, context_key) if context_key else {},
        activity_url=url_for(".index", entityType=entity_type, entityId=entity_id) if on_record else None,
    )
    if wants_partial():
        return render_template("audit/_history.html", **context)
    links, _ = _record_links(customer_id, events[:1])
    return render_template("audit/history.html", record_url=links.get(events[0].id) if events else None, **context)


# ---- Revert ---------------------------------------------------------------------------------------

@bp.post("/<int:event_id>/revert")
@requires("TicketAccess")
def revert(event_id: int):
    """The Revert button (and the Undo of a delete's toast): on success the page reloads to show the
    record as it is again; a refusal is an error toast (app/errors.py). Agents may undo what they
    may change: end users."""
    customer_id, actor = current_scope()
    original = get_scoped_or_404(AuditEvent, customer_id, event_id)
    if original.entity_type not in OPEN_TO_AGENTS and not current_user.has_policy("ManageSettings"):
        abort(403)
    event = revert_event(customer_id, actor, original)
    flash(f"Reverted: {event.entity_label or event.entity_type} is back as it was.")
    if wants_partial():
        return "", 200, {"HX-Refresh": "true"}
    return redirect(same_site_referrer() or url_for(".index"))
