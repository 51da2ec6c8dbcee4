"""/api/TopicActions and /api/HookActions: the links that decide when and in which order actions run.

Both resources share one implementation, parameterised by a LinkKind.
"""
from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, jsonify, request, url_for
from sqlalchemy import false, select
from werkzeug.exceptions import BadRequest
from wtforms import Form

from app.actions.forms import HOOK_NAMES, HookActionForm, HookPriorityForm, TopicActionForm, TopicPriorityForm
from app.actions.models import Action, HookAction, TopicAction
from app.actions.operations import (
    create_link,
    create_links,
    delete_link,
    hook_link_values,
    reorder_links,
    set_link_priority,
    topic_link_values,
    total_wait_seconds,
)
from app.actions.ordering import members
from app.actions.serializers import HOOK_ACTION_SCHEMA, TOPIC_ACTION_SCHEMA, hook_action_dto, topic_action_dto
from app.auth.policies import authenticated
from app.channels.models import Channel
from app.domain_errors import Invalid
from app.jsonforms import (
    ChoiceField,
    TrueFalseField,
    WholeNumberField,
    check_types,
    query_parameters,
    read_json,
    read_json_object,
    validate_json,
    validate_query,
)
from app.openapi import INTEGER, documented, page_params, paginated, problem
from app.pagination import page_query, paginate, paginated_result
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404, in_id_range
from app.versions import ETAG, IF_MATCH, STALE_ETAG, etag_header, if_match, list_etag, precondition_failed

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
    filters: type  # the query form; each parameter filters the column of the same name in `columns`
    columns: dict
    sortable: dict
    schema: dict  # the read DTO's response schema


def _filter(name: str):
    return WholeNumberField(name, description=f"Only links with this {name}.")


class TopicLinkFilters(Form):
    topicId = _filter("topicId")
    actionId = _filter("actionId")
    channelId = _filter("channelId")
    isActive = TrueFalseField("isActive", description="Only links whose action is (not) active.")


class HookLinkFilters(Form):
    hookName = ChoiceField("hookName", values=HOOK_NAMES, description="Only links on this hook.")
    actionId = _filter("actionId")
    channelId = _filter("channelId")
    isActive = TrueFalseField("isActive", description="Only links whose action is (not) active.")


class WaitSecondsQuery(Form):
    hookName = ChoiceField("hookName", values=HOOK_NAMES, description="The hook; required.")
    channelId = WholeNumberField("channelId", description="A channel of yours; left out: the every-channel links only.")


TOPIC = LinkKind(
    "TopicActions", TopicAction, "topicActionID", TopicActionForm, TopicPriorityForm, topic_link_values,
    topic_action_dto,
    TopicLinkFilters,
    {"topicId": TopicAction.topic_id, "actionId": TopicAction.action_id, "channelId": TopicAction.channel_id,
     "isActive": Action.is_active},
    {"Priority": TopicAction.priority, "TopicActionID": TopicAction.id, "TopicID": TopicAction.topic_id,
     "ChannelID": TopicAction.channel_id, "ActionID": TopicAction.action_id, "ActionName": Action.name},
    TOPIC_ACTION_SCHEMA,
)
HOOK = LinkKind(
    "HookActions", HookAction, "hookActionID", HookActionForm, HookPriorityForm, hook_link_values,
    hook_action_dto,
    HookLinkFilters,
    {"hookName": HookAction.hook_name, "actionId": HookAction.action_id, "channelId": HookAction.channel_id,
     "isActive": Action.is_active},
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
    filters = validate_query(kind.filters, request.args)
    given = {}
    for param, column in kind.columns.items():
        value = filters[param].data
        if value not in (None, ""):
            given[param] = value
            if isinstance(value, bool):
                stmt = stmt.where(column.is_(value))
            elif isinstance(value, int) and not in_id_range(value):
                stmt = stmt.where(false())  # no row has such an id
            else:
                stmt = stmt.where(column == value)
    if kind is HOOK and "hookName" not in given and "actionId" not in given:
        raise Invalid({"hookName": ["Give hookName or actionId."]},
                                title="GET /api/HookActions needs a hookName or an actionId filter.")
    rows, total = paginate(stmt, query, kind.sortable, model.id)
    response = jsonify(paginated_result([kind.dto(r) for r in rows], total, query))
    key = _named_list(kind, given)
    if key is not None:
        response.headers["ETag"] = list_etag(members(model, current_customer_id(), key))
    return response


def _named_list(kind: LinkKind, given: dict) -> str | None:
    """The context key of the one list these filters name, whose version the answer carries:
    hookName (TopicActions: topicId) and optionally channelId, no other filter; without
    channelId, the every-channel list."""
    owner = "hookName" if kind is HOOK else "topicId"
    if owner not in given or not set(given) <= {owner, "channelId"}:
        return None
    if not all(in_id_range(value) for name, value in given.items() if name != "hookName"):
        return None
    if kind is HOOK:
        return HookAction.context_for(given["hookName"], given.get("channelId"))
    return TopicAction.context_for(given["topicId"], None, given.get("channelId"), None)


def create_one(kind: LinkKind):
    customer_id, actor = current_scope()
    form, _ = validate_json(kind.form, customer_id=customer_id)
    link = create_link(customer_id, actor, kind.model, kind.values(form))
    return jsonify(kind.dto(link)), 201, {"Location": url_for(f".read_{kind.name}", link_id=link.id)}


def _json_array() -> list:
    """The bulk body: a JSON array of create bodies."""
    body = read_json(required=False)
    if not isinstance(body, list):
        raise BadRequest("The request body must be a JSON array of links to create.")
    if not body:
        raise BadRequest("The request body is an empty list: nothing to create.")
    if len(body) > MAX_BULK:
        raise BadRequest(f"At most {MAX_BULK} links per request.")
    return body


def create_bulk(kind: LinkKind):
    """All or nothing: every item is validated first; one bad item fails the whole request."""
    customer_id, actor = current_scope()
    items = _json_array()
    forms, errors = [], {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"[{index}]"] = ["Must be an object."]
            continue
        try:
            form, _ = validate_json(kind.form, body=item, customer_id=customer_id)
            forms.append(form)
        except Invalid as invalid:
            errors.update({f"[{index}].{key}": messages for key, messages in invalid.errors.items()})
    if errors:
        raise Invalid(errors, title="One or more items are invalid; nothing was created.")
    created = create_links(customer_id, actor, kind.model, [kind.values(form) for form in forms])
    return jsonify([kind.dto(link) for link in created]), 201


def read_one(kind: LinkKind, link_id: int):
    return jsonify(kind.dto(get_scoped_or_404(kind.model, current_customer_id(), link_id)))


def update_priority(kind: LinkKind, link_id: int):
    form, body = validate_json(kind.priority_form)
    if kind.id_field in body and body[kind.id_field] is not None and body[kind.id_field] != link_id:
        raise Invalid({kind.id_field: [f"Expected {link_id}, got {body[kind.id_field]!r}."]},
                      f"The body {kind.id_field} must match the route id.")
    customer_id, actor = current_scope()
    set_link_priority(customer_id, actor, get_scoped_or_404(kind.model, customer_id, link_id), form.priority.data)
    return "", 204


def delete_one(kind: LinkKind, link_id: int):
    customer_id, actor = current_scope()
    delete_link(customer_id, actor, get_scoped_or_404(kind.model, customer_id, link_id))
    return "", 204


def reorder_list(kind: LinkKind):
    body = read_json_object()
    check_types(body, REORDER_SCHEMA)
    customer_id, actor = current_scope()
    key = reorder_links(customer_id, actor, kind.model, body["ids"], if_match=if_match())
    links = members(kind.model, customer_id, key)
    return jsonify([kind.dto(link) for link in links]), 200, {"ETag": list_etag(links)}


def wait_seconds():
    query = validate_query(WaitSecondsQuery, request.args)
    hook_name, channel_id = query.hookName.data, query.channelId.data
    if not hook_name:
        raise Invalid({"hookName": ["hookName is required."]})
    if channel_id is not None:
        get_scoped_or_404(Channel, current_customer_id(), channel_id)
    return jsonify({"totalWaitSeconds": total_wait_seconds(current_customer_id(), hook_name, channel_id)})


DUPLICATE = ("This action is already in that list", None)
DUPLICATE_IN_BULK = ("An item duplicates a link or an earlier item (`index` names it); nothing was created",
                     problem("DuplicateBulkItem", index={"type": "integer", "minimum": 0}))
STALE = ("The ids are not exactly the current members; `currentOrder` holds the list as it is now",
         problem("StaleList", currentOrder={"type": "array", "items": INTEGER}))
STALE_VERSION = precondition_failed("List", currentOrder={"type": "array", "items": INTEGER})
LIST_ETAG = etag_header("Only when the filters name one list (HookActions: hookName, TopicActions: topicId, "
                        "either with or without channelId; no other filter; without channelId the every-channel "
                        "list): that list's version, to send as If-Match on reorder.", required=False)


def _docs(kind: LinkKind) -> dict:
    """The OpenAPI description of each route of a link kind, keyed like the routes below."""
    dto, one = kind.schema["title"], kind.name.removesuffix("s")
    filters = query_parameters(kind.filters)
    required = " (hookName or actionId is required)" if kind is HOOK else ""
    return {
        "list": dict(summary=f"List {kind.name} (PaginatedResult of {dto}), in priority order by default{required}",
                     query=page_params(kind.sortable, "Priority", **filters),
                     responses={200: (f"A page of {kind.name}", paginated(kind.schema))},
                     response_headers={200: LIST_ETAG}),
        "create": dict(summary=f"Link an action ({one}); without priority it goes to the end of its list",
                       body=kind.form, responses={201: ("Created; Location names the new link", kind.schema), 409: DUPLICATE}),
        "bulk": dict(summary=f"Create up to {MAX_BULK} {kind.name} at once: all or nothing; errors are keyed by index",
                     body=kind.form, many=MAX_BULK,
                     responses={201: ("Created, in the order given", {"type": "array", "items": kind.schema}), 409: DUPLICATE_IN_BULK}),
        "reorder": dict(summary="Rewrite the priorities of one list (10, 20, 30...) from the complete list of its ids in the new order",
                        body=REORDER_SCHEMA, headers=IF_MATCH,
                        responses={200: ("The list in its new order", {"type": "array", "items": kind.schema}), 409: STALE,
                                   412: STALE_VERSION},
                        response_headers={200: ETAG, 412: STALE_ETAG}),
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
    query=query_parameters(WaitSecondsQuery),
    responses={200: ("The total", {"type": "object", "required": ["totalWaitSeconds"], "additionalProperties": False,
                                   "properties": {"totalWaitSeconds": {"type": "integer", "minimum": 0}}})},
)(authenticated(wait_seconds)), methods=["GET"])
