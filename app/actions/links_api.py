"""/api/TopicActions and /api/HookActions: the links that decide when and in which order actions run.

Both resources share one implementation, parameterised by a LinkKind.
"""
import json
from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, jsonify, request, url_for
from sqlalchemy import false, select

from app.actions.forms import HOOK_NAMES, HookActionForm, HookPriorityForm, TopicActionForm, TopicPriorityForm
from app.actions.models import Action, HookAction, TopicAction
from app.actions.operations import Duplicate, create_link, delete_link, hook_link_values, topic_link_values, total_wait_seconds
from app.actions.ordering import lock_context, members, reorder
from app.actions.serializers import HOOK_ACTION_SCHEMA, TOPIC_ACTION_SCHEMA, hook_action_dto, topic_action_dto
from app.auth.policies import authenticated
from app.channels.models import Channel
from app.extensions import db
from app.jsonforms import check_types, read_json_object, validate_json
from app.openapi import INTEGER, documented, page_params, paginated, problem
from app.pagination import page_query, paginate, paginated_result
from app.problems import Problem, ValidationProblem
from app.tenancy import current_customer_id, get_scoped_or_404, in_id_range

bp = Blueprint("api_links", __name__, url_prefix="/api")

MAX_BULK = 100
MAX_REORDER = 1000  # ids in one list's reorder: far above any real list, far below PostgreSQL's 65,535 parameters
REORDER_SCHEMA = {
    "type": "object",
    "properties": {"ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": MAX_REORDER,
                           "uniqueItems": True}},
    "required": ["ids"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class LinkKind:
    name: str  # URL segment
    model: type
    id_field: str
    form: type
    priority_form: type
    values: Callable
    dto: Callable
    filters: dict  # query parameter -> (column, parser)
    sortable: dict
    schema: dict  # the read DTO's response schema


def int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationProblem({name: [f"{name} must be a whole number."]}) from None


def bool_arg(name: str) -> bool | None:
    raw = (request.args.get(name) or "").lower()
    if raw == "":
        return None
    if raw not in ("true", "false"):
        raise ValidationProblem({name: [f"{name} must be true or false."]})
    return raw == "true"


def hook_arg(name: str) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw not in HOOK_NAMES:
        raise ValidationProblem({name: [f"{name} must be one of: {', '.join(HOOK_NAMES)}."]})
    return raw


TOPIC = LinkKind(
    "TopicActions", TopicAction, "topicActionID", TopicActionForm, TopicPriorityForm, topic_link_values,
    topic_action_dto,
    {"topicId": (TopicAction.topic_id, int_arg), "actionId": (TopicAction.action_id, int_arg),
     "channelId": (TopicAction.channel_id, int_arg), "isActive": (Action.is_active, bool_arg)},
    {"Priority": TopicAction.priority, "TopicActionID": TopicAction.id, "TopicID": TopicAction.topic_id,
     "ChannelID": TopicAction.channel_id, "ActionID": TopicAction.action_id, "ActionName": Action.name},
    TOPIC_ACTION_SCHEMA,
)
HOOK = LinkKind(
    "HookActions", HookAction, "hookActionID", HookActionForm, HookPriorityForm, hook_link_values,
    hook_action_dto,
    {"hookName": (HookAction.hook_name, hook_arg), "actionId": (HookAction.action_id, int_arg),
     "channelId": (HookAction.channel_id, int_arg), "isActive": (Action.is_active, bool_arg)},
    {"Priority": HookAction.priority, "HookActionID": HookAction.id, "HookName": HookAction.hook_name,
     "ChannelID": HookAction.channel_id, "ActionID": HookAction.action_id, "ActionName": Action.name},
    HOOK_ACTION_SCHEMA,
)


def list_links(kind: LinkKind):
    query = page_query(kind.sortable, "Priority")
    model = kind.model
    stmt = (
        select(model)
        .join(Action, (Action.id == model.action_id) & (Action.customer_id == model.customer_id))
        .where(model.customer_id == current_customer_id())
    )
    given = {}
    for param, (column, parse) in kind.filters.items():
        value = parse(param)
        if value is not None:
            given[param] = value
            if isinstance(value, bool):
                stmt = stmt.where(column.is_(value))
            elif isinstance(value, int) and not in_id_range(value):
                stmt = stmt.where(false())  # no row has such an id
            else:
                stmt = stmt.where(column == value)
    if kind is HOOK and "hookName" not in given and "actionId" not in given:
        raise ValidationProblem({"hookName": ["Give hookName or actionId."]},
                                title="GET /api/HookActions needs a hookName or an actionId filter.")
    rows, total = paginate(stmt, query, kind.sortable, model.id)
    return jsonify(paginated_result([kind.dto(r) for r in rows], total, query))


def create_one(kind: LinkKind):
    form, _ = validate_json(kind.form)
    link = create_link(kind.model, current_customer_id(), kind.values(form))
    db.session.commit()
    return jsonify(kind.dto(link)), 201, {"Location": url_for(f".read_{kind.name}", link_id=link.id)}


def _json_array() -> list:
    """The bulk body: a JSON array of create bodies."""
    if not request.is_json:
        raise Problem(415, "Unsupported media type: send application/json.")
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, RecursionError):
        raise Problem(400, "The request body is not valid JSON.") from None
    if not isinstance(body, list):
        raise Problem(400, "The request body must be a JSON array of links to create.")
    if not body:
        raise Problem(400, "The request body is an empty list: nothing to create.")
    if len(body) > MAX_BULK:
        raise Problem(400, f"At most {MAX_BULK} links per request.")
    return body


def create_bulk(kind: LinkKind):
    """All or nothing: every item is validated first; one bad item fails the whole request."""
    items = _json_array()
    forms, errors = [], {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"[{index}]"] = ["Must be an object."]
            continue
        try:
            form, _ = validate_json(kind.form, body=item)
            forms.append(form)
        except ValidationProblem as problem:
            errors.update({f"[{index}].{key}": messages for key, messages in problem.errors.items()})
    if errors:
        raise ValidationProblem(errors, title="One or more items are invalid; nothing was created.")
    created = []
    customer_id = current_customer_id()
    for index, form in enumerate(forms):
        try:
            created.append(create_link(kind.model, customer_id, kind.values(form)))
        except Duplicate:
            raise Problem(409, f"Item [{index}]: this action is already in that list; nothing was created.",
                          index=index) from None
    db.session.commit()
    return jsonify([kind.dto(link) for link in created]), 201


def read_one(kind: LinkKind, link_id: int):
    return jsonify(kind.dto(get_scoped_or_404(kind.model, link_id)))


def update_priority(kind: LinkKind, link_id: int):
    form, body = validate_json(kind.priority_form)
    if kind.id_field in body and body[kind.id_field] is not None and body[kind.id_field] != link_id:
        raise Problem(400, f"The body {kind.id_field} must match the route id.",
                      {kind.id_field: [f"Expected {link_id}, got {body[kind.id_field]!r}."]})
    link = get_scoped_or_404(kind.model, link_id)
    lock_context(kind.model, link.customer_id, link.context_key)
    link.priority = form.priority.data
    db.session.commit()
    return "", 204


def delete_one(kind: LinkKind, link_id: int):
    delete_link(get_scoped_or_404(kind.model, link_id))
    db.session.commit()
    return "", 204


def reorder_list(kind: LinkKind):
    body = read_json_object()
    check_types(body, REORDER_SCHEMA)
    customer_id = current_customer_id()
    key = reorder(kind.model, customer_id, body["ids"])
    db.session.commit()
    return jsonify([kind.dto(link) for link in members(kind.model, customer_id, key)])


def wait_seconds():
    hook_name = hook_arg("hookName")
    if hook_name is None:
        raise ValidationProblem({"hookName": ["hookName is required."]})
    channel_id = int_arg("channelId")
    if channel_id is not None:
        get_scoped_or_404(Channel, channel_id)
    return jsonify({"totalWaitSeconds": total_wait_seconds(current_customer_id(), hook_name, channel_id)})


_FILTER_SCHEMAS = {int_arg: INTEGER, bool_arg: {"type": "boolean"}, hook_arg: {"type": "string", "enum": list(HOOK_NAMES)}}
DUPLICATE = ("This action is already in that list", None)
DUPLICATE_IN_BULK = ("An item duplicates a link or an earlier item (`index` names it); nothing was created",
                     problem("DuplicateBulkItem", index={"type": "integer", "minimum": 0}))
STALE = ("The ids are not exactly the current members; `currentOrder` holds the list as it is now",
         problem("StaleList", currentOrder={"type": "array", "items": INTEGER}))


def _docs(kind: LinkKind) -> dict:
    """The OpenAPI description of each route of a link kind, keyed like the routes below."""
    dto, one = kind.schema["title"], kind.name.removesuffix("s")
    filters = {name: (_FILTER_SCHEMAS[parse], f"Only links with this {name}.") for name, (_, parse) in kind.filters.items()}
    required = " (hookName or actionId is required)" if kind is HOOK else ""
    return {
        "list": dict(summary=f"List {kind.name} (PaginatedResult of {dto}), in priority order by default{required}",
                     query=page_params(kind.sortable, "Priority", **filters),
                     responses={200: (f"A page of {kind.name}", paginated(kind.schema))}),
        "create": dict(summary=f"Link an action ({one}); without priority it goes to the end of its list",
                       body=kind.form, responses={201: ("Created; Location names the new link", kind.schema), 409: DUPLICATE}),
        "bulk": dict(summary=f"Create up to {MAX_BULK} {kind.name} at once: all or nothing; errors are keyed by index",
                     body=kind.form, many=MAX_BULK,
                     responses={201: ("Created, in the order given", {"type": "array", "items": kind.schema}), 409: DUPLICATE_IN_BULK}),
        "reorder": dict(summary="Rewrite the priorities of one list (10, 20, 30...) from the complete list of its ids in the new order",
                        body=REORDER_SCHEMA,
                        responses={200: ("The list in its new order", {"type": "array", "items": kind.schema}), 409: STALE}),
        "read": dict(summary=f"One {one}", responses={200: (dto, kind.schema)}),
        "update": dict(summary=f"Change the priority of a {one} (the body's {kind.id_field}, if given, must match)",
                       body=kind.priority_form, responses={204: ("Saved", None)}),
        "delete": dict(summary=f"Remove a {one}", responses={204: ("Deleted", None)}),
    }


def _register(kind: LinkKind) -> None:
    base = f"/{kind.name}"
    docs = _docs(kind)

    def route(rule, methods, view, suffix):
        endpoint = f"{suffix}_{kind.name}"
        handler = documented(**docs[suffix])(authenticated(lambda **kw: view(kind, **kw)))
        bp.add_url_rule(base + rule, endpoint, handler, methods=methods)

    route("", ["GET"], list_links, "list")
    route("", ["POST"], create_one, "create")
    route("/bulk", ["POST"], create_bulk, "bulk")
    route("/reorder", ["POST"], reorder_list, "reorder")
    route("/<int:link_id>", ["GET"], read_one, "read")
    route("/<int:link_id>", ["PUT"], update_priority, "update")
    route("/<int:link_id>", ["DELETE"], delete_one, "delete")


_register(TOPIC)
_register(HOOK)
bp.add_url_rule("/HookActions/wait-seconds", "wait_seconds", documented(
    summary="Total waitSeconds of the active Wait actions on a hook, for a channel plus every-channel links",
    query={"hookName": ({"type": "string", "enum": list(HOOK_NAMES)}, "The hook; required."),
           "channelId": (INTEGER, "A channel of yours; left out: the every-channel links only.")},
    responses={200: ("The total", {"type": "object", "required": ["totalWaitSeconds"], "additionalProperties": False,
                                   "properties": {"totalWaitSeconds": {"type": "integer", "minimum": 0}}})},
)(authenticated(wait_seconds)), methods=["GET"])
