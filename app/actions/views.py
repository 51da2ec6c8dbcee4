"""Dashboard: the actions list, the action form and the ordering screen."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from app.actions.api import filtered_actions
from app.actions.forms import (
    ACTION_TYPES,
    GROUP_TITLES,
    GROUPS,
    HOOK_NAMES,
    SECRET_FIELDS,
    ActionForm,
    fields_for,
    groups_for,
)
from app.actions.models import HOOK_DESCRIPTIONS, Action, HookAction, TopicAction
from app.actions.operations import (
    Duplicate,
    create_action,
    create_link,
    delete_action,
    delete_link,
    describe_link,
    linked_lists,
    reorder_links,
    set_action_active,
    total_wait_seconds,
    update_action,
)
from app.actions.ordering import StaleList, members, moved, the_moved_one
from app.actions.serializers import action_etag, action_values
from app.audit.undo import flash_deleted
from app.auth.policies import requires
from app.channels.models import Channel
from app.domain_errors import PreconditionFailed, StillReferenced
from app.extensions import db
from app.htmx_helpers import toast, wants_partial
from app.pagination import PageQuery, paginate, paginated_result
from app.pipeline import dry_run
from app.pipeline.forms import DryRunForm
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped, get_scoped_or_404, scoped
from app.topics.models import Topic
from app.unit_of_work import attempt, read_only
from app.versions import list_etag, matches

bp = Blueprint("actions", __name__, url_prefix="/actions")

PAGE_SIZE = 25
SORTABLE = {"name": Action.name}


# ---- List ------------------------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    q = (request.args.get("q") or "").strip()
    action_type = request.args.get("type") if request.args.get("type") in ACTION_TYPES else ""
    active = {"active": True, "inactive": False}.get(request.args.get("active") or "")
    page_number = request.args.get("page", 1, type=int) or 1
    query = PageQuery(max(page_number, 1), PAGE_SIZE, "name", False)
    rows, total = paginate(filtered_actions(current_customer_id(), q, action_type, active), query, SORTABLE, Action.id)
    filters = {"q": q, "type": action_type, "active": request.args.get("active") or ""}

    def page_url(number):
        return url_for("actions.index", **{k: v for k, v in filters.items() if v}, page=number)

    context = dict(
        actions=rows, total=total, result=paginated_result(rows, total, query), page_url=page_url, filters=filters,
        action_types=ACTION_TYPES, can_manage=current_user.has_policy("ManageSettings"),
    )
    if wants_partial():
        return render_template("actions/_rows.html", **context)
    return render_template("actions/index.html", **context)


@bp.post("/<int:action_id>/toggle")
@requires("ManageSettings")
def toggle(action_id: int):
    customer_id, actor = current_scope()
    action = get_scoped_or_404(Action, customer_id, action_id)
    set_action_active(customer_id, actor, action, not action.is_active)
    body = render_template("actions/_row.html", action=action, can_manage=True)
    return toast(body, f"{action.name} is now {'active' if action.is_active else 'inactive'}.")


# ---- Create and edit -------------------------------------------------------------------------

def _secrets_from_form() -> dict:
    """Dashboard secrets: a blank field keeps the stored value; the clear box clears it."""
    cleared = set(request.form.getlist("clearSecret"))
    changes = {name: "" for name in SECRET_FIELDS if name in cleared}
    changes.update({name: request.form[name] for name in SECRET_FIELDS if request.form.get(name)})
    return changes


def _render_form(form, action=None, status=200, version=None, stale=False):
    """An existing action's form carries the version it showed (kept across failed saves), so a save
    never overwrites someone else's change in silence."""
    kind = form.actionType.data or "Close"
    if action is not None and version is None:
        version = request.form.get("version") or action_etag(action)
    preview_form = DryRunForm(formdata=None) if action is not None else None
    return render_template(
        "actions/form.html", form=form, action=action, groups=groups_for(kind), shown=fields_for(kind),
        group_fields=GROUPS, group_titles=GROUP_TITLES, version=version, stale=stale,
        preview_form=preview_form, channels=_preview_channels(current_customer_id()) if action else [],
    ), status


@bp.route("/new", methods=["GET", "POST"])
@requires("ManageSettings")
def new():
    form = ActionForm(data={"isActive": True, "actionType": "Close", "actionScheduleTimeZoneId": current_user.time_zone})
    if form.validate_on_submit():
        action = create_action(*current_scope(), form.data, _secrets_from_form(), current_user.time_zone)
        flash(f"Action {action.name} created.")
        return redirect(url_for(".index"))
    return _render_form(form, status=400 if form.errors else 200)


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
@requires("ManageSettings")
def edit(action_id: int):
    customer_id, actor = current_scope()
    # a save reads the action under its row lock: of two racing saves of one version, one is stale
    action = get_scoped_or_404(Action, customer_id, action_id, lock=request.method == "POST")
    form = ActionForm(data=action_values(action))
    seen = request.form.get("version")
    if request.method == "POST" and seen and not matches(seen, action_etag(action)):
        form.validate()  # what was typed stays on screen, now with the current version to save over
        return _render_form(form, action, status=409, version=action_etag(action), stale=True)
    if form.validate_on_submit():
        update_action(customer_id, actor, action, form.data, _secrets_from_form(), current_user.time_zone)
        flash(f"Action {action.name} saved.")
        return redirect(url_for(".index"))
    return _render_form(form, action, status=400 if form.errors else 200)


@bp.post("/<int:action_id>/preview")
@read_only
@requires("ManageSettings")
def preview(action_id: int):
    """"Preview request": this action alone, as it would run for a sample message (nothing is sent)."""
    customer_id = current_customer_id()
    action = get_scoped_or_404(Action, customer_id, action_id)
    form = DryRunForm()
    if not form.validate():
        return render_template("actions/_preview.html", action=action, form=form, steps=None,
                               channels=_preview_channels(customer_id))
    sample, _ = dry_run.sample_from(customer_id, form)
    return render_template("actions/_preview.html", action=action, form=form, end_user=sample.end_user,
                           steps=[dry_run.preview(customer_id, action, sample)], channels=_preview_channels(customer_id))


def _preview_channels(customer_id: int) -> list:
    return db.session.scalars(scoped(Channel, customer_id).order_by(Channel.is_active.desc(), Channel.name)).all()


@bp.post("/form-groups")
@requires("ManageSettings")
def form_groups():
    """The type changed: the server swaps in the field groups of the new type, keeping what was typed."""
    form = ActionForm()
    kind = form.actionType.data if form.actionType.data in ACTION_TYPES else "Close"
    return render_template("actions/_type_groups.html", form=form, groups=groups_for(kind), shown=fields_for(kind),
                           group_fields=GROUPS, group_titles=GROUP_TITLES, action_id=request.form.get("actionID"))


@bp.post("/<int:action_id>/delete")
@requires("ManageSettings")
def delete(action_id: int):
    customer_id, actor = current_scope()
    action = get_scoped_or_404(Action, customer_id, action_id)
    try:
        with attempt():
            delete_action(customer_id, actor, action)
    except StillReferenced:
        flash(_still_linked(action), "error")
        return redirect(url_for(".edit", action_id=action_id))
    flash_deleted(f"Action {action.name} deleted.", customer_id, "Action", action_id)
    return redirect(url_for(".index"))


def _still_linked(action: Action) -> dict:
    """The refusal in people's words: the lists by their names, each a link to it on the order page."""
    lists = linked_lists(action)
    count = f"{len(lists)} list" + ("" if len(lists) == 1 else "s")
    links = [{"label": describe_link(kind, link)[0].upper() + describe_link(kind, link)[1:],
              "url": url_for(".order", _anchor=_panel_anchor(kind, link.context_key))} for kind, link in lists]
    return {"text": f"“{action.name}” is still used in {count}. Remove it from them first, "
                    "or deactivate the action instead.", "links": links}


def _panel_anchor(kind: str, key: str) -> str:
    """The id of a list's panel on the order page (templates/actions/_order_panel.html)."""
    return f"list-{kind}-{key.replace('|', '-').replace(':', '')}"


# ---- Ordering --------------------------------------------------------------------------------

KINDS = {"topic": TopicAction, "hook": HookAction}


def _model(kind: str):
    if kind not in KINDS:
        abort(400)
    return KINDS[kind]


def _parse_key(customer_id: int, kind: str, key: str) -> dict | None:
    """Context key -> link attributes; None when the key is not one of ours."""
    try:
        parts = dict(part.split(":", 1) for part in key.split("|"))
        if kind == "hook":
            values = {"hook_name": parts["h"], "channel_id": int(parts["c"]) if parts["c"] else None}
            if values["hook_name"] not in HOOK_NAMES or HookAction.context_for(**values) != key:
                return None
        else:
            values = {"topic_id": int(parts["t"]) if parts["t"] else None, "special_topic": parts["st"] or None,
                      "channel_id": int(parts["c"]) if parts["c"] else None, "special_channel": parts["sc"] or None}
            if TopicAction.context_for(**values) != key or not (values["topic_id"] or values["special_topic"]):
                return None
            if values["topic_id"] and get_scoped(Topic, customer_id, values["topic_id"]) is None:
                return None
        if values["channel_id"] and get_scoped(Channel, customer_id, values["channel_id"]) is None:
            return None
        return values
    except (KeyError, ValueError):
        return None


def _title(customer_id: int, kind: str, values: dict) -> str:
    channel = get_scoped(Channel, customer_id, values["channel_id"]) if values.get("channel_id") else None
    if kind == "hook":
        return f"{values['hook_name']} · {channel.name if channel else 'every channel'}"
    topic = get_scoped(Topic, customer_id, values["topic_id"]) if values.get("topic_id") else None
    name = topic.name if topic else f"special topic {values['special_topic']}"
    where = channel.name if channel else (f"special channel {values['special_channel']}" if values.get("special_channel") else "every channel")
    return f"{name} · {where}"


def _panel(kind: str, key: str, message: str | None = None, focus: tuple | None = None):
    customer_id = current_customer_id()
    values = _parse_key(customer_id, kind, key)
    if values is None:
        abort(404)
    model = _model(kind)
    links = members(model, customer_id, key)
    linked = {link.action_id for link in links}
    available = [a for a in db.session.scalars(scoped(Action, customer_id).order_by(Action.name)) if a.id not in linked]
    wait_total = total_wait_seconds(customer_id, values["hook_name"], values["channel_id"]) if kind == "hook" else None
    return render_template(
        "actions/_order_panel.html", kind=kind, key=key, title=_title(customer_id, kind, values), links=links,
        available=available, wait_total=wait_total, channel_specific=bool(values.get("channel_id")),
        hook_description=HOOK_DESCRIPTIONS.get(values.get("hook_name")),
        message=message, focus=focus, version=list_etag(links),
    )


def _all_contexts(customer_id: int) -> list[tuple[str, str]]:
    """Every non-empty list of the customer: hooks in their documented order, then topics."""
    hooks = db.session.execute(select(HookAction.context_key, HookAction.hook_name, HookAction.channel_id)
                               .where(HookAction.customer_id == customer_id).distinct()).all()
    hooks.sort(key=lambda r: (HOOK_NAMES.index(r.hook_name), r.channel_id is not None, r.channel_id or 0))
    topics = db.session.execute(select(TopicAction.context_key).where(TopicAction.customer_id == customer_id)
                                .distinct().order_by(TopicAction.context_key)).all()
    return [("hook", r.context_key) for r in hooks] + [("topic", r.context_key) for r in topics]


def _int_or_none(raw):
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@bp.get("/order")
@requires("ManageSettings")
def order():
    """All lists in execution order, plus any empty list the manager opens to add to."""
    opened = None
    if request.args.get("kind") == "hook" and request.args.get("hook") in HOOK_NAMES:
        opened = ("hook", HookAction.context_for(request.args["hook"], _int_or_none(request.args.get("channel"))))
    elif request.args.get("kind") == "topic" and _int_or_none(request.args.get("topic")):
        opened = ("topic", TopicAction.context_for(_int_or_none(request.args["topic"]), None,
                                                   _int_or_none(request.args.get("channel")), None))
    customer_id = current_customer_id()
    contexts = _all_contexts(customer_id)
    if opened:  # the list asked for comes first, whether it exists already or is empty
        contexts = [opened, *(c for c in contexts if c != opened)]
    panels = []
    for kind, key in contexts:
        if _parse_key(customer_id, kind, key) is not None:
            panels.append(Markup(_panel(kind, key)))  # our own rendered template
    return render_template(
        "actions/order.html", panels=panels, hook_names=HOOK_NAMES, hook_descriptions=HOOK_DESCRIPTIONS,
        topics=db.session.scalars(scoped(Topic, customer_id).order_by(Topic.name)).all(),
        channels=db.session.scalars(scoped(Channel, customer_id).order_by(Channel.name)).all(),
    )


@bp.get("/order/panel")
@requires("ManageSettings")
def panel():
    return _panel(request.args.get("kind", ""), request.args.get("key", ""))


@bp.post("/order/reorder")
@requires("ManageSettings")
def reorder_list():
    """Drag and drop (the complete list in its new order) and Move up / Move down, one endpoint."""
    customer_id, actor = current_scope()
    kind, key = request.form.get("kind", ""), request.form.get("key", "")
    model = _model(kind)
    if _parse_key(customer_id, kind, key) is None:
        abort(404)
    ids = [_int_or_none(i) for i in request.form.getlist("item")]
    before = [link.id for link in members(model, customer_id, key)]
    focus = None
    if request.form.get("move"):
        ident, _, direction = request.form["move"].partition(":")
        ids = moved(ids, _int_or_none(ident), direction)
        focus = (_int_or_none(ident), direction, request.form.get("via") == "handle")
    ids = [i for i in ids if i is not None]
    try:
        with attempt():  # the version this tab showed: a reorder made meanwhile in another tab is not overwritten
            reorder_links(customer_id, actor, model, ids, context_key=key,
                          if_match=request.form.get("version") or None)
    except (StaleList, PreconditionFailed):
        message = "Someone else changed this list meanwhile. It has been reloaded as it is now; your change was not saved — please redo it."
        return toast(_panel(kind, key, message=message), "The list changed meanwhile: reloaded, nothing saved.", "error")
    moved_id = focus[0] if focus else the_moved_one(before, ids)
    return toast(_panel(kind, key, focus=focus), _where_it_went(customer_id, model, moved_id, ids))


def _where_it_went(customer_id: int, model, ident: int | None, after: list[int]) -> str:
    """What a screen reader announces after a move: the row and its new place."""
    link = get_scoped(model, customer_id, ident) if ident in after else None
    if link is None:
        return "Order saved."
    return f"Order saved: {link.action.name} is now {after.index(ident) + 1} of {len(after)}."


@bp.post("/order/links")
@requires("ManageSettings")
def add_link():
    """Add an action to the list shown; it goes to the end."""
    customer_id, actor = current_scope()
    kind, key = request.form.get("kind", ""), request.form.get("key", "")
    model, values = _model(kind), _parse_key(customer_id, kind, key)
    if values is None:
        abort(404)
    action = get_scoped(Action, customer_id, _int_or_none(request.form.get("actionID")))
    if action is None:
        return _panel(kind, key, message="Choose an action to add.")
    try:
        with attempt():
            create_link(customer_id, actor, model, {**values, "action_id": action.id, "priority": None})
    except Duplicate:
        return _panel(kind, key, message="That action is already in this list.")
    return toast(_panel(kind, key), f"{action.name} added at the end.")


@bp.post("/order/links/<kind>/<int:link_id>/delete")
@requires("ManageSettings")
def remove_link(kind: str, link_id: int):
    customer_id, actor = current_scope()
    key = request.form.get("key", "")
    link = get_scoped(_model(kind), customer_id, link_id)
    if link is None:
        return _panel(kind, key, message="That link had already been removed; the list has been reloaded.")
    name, key = link.action.name, link.context_key
    delete_link(customer_id, actor, link)
    return toast(_panel(kind, key), f"{name} removed from this list.")

