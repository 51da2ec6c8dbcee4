"""/api/Actions: action definitions (ManageSettings), and the available list for tickets and phones."""
from flask import Blueprint, jsonify, request, url_for
from sqlalchemy import or_
from wtforms import Form, StringField

from app.actions.forms import ACTION_TYPES, SECRET_FIELDS, ActionForm
from app.actions.models import Action
from app.actions.operations import create_action, delete_action, update_action
from app.actions.serializers import (
    ACTION_AVAILABLE_SCHEMA,
    ACTION_LIST_ITEM_SCHEMA,
    ACTION_SCHEMA,
    action_available_dto,
    action_dto,
    action_etag,
    action_values,
)
from app.auth.policies import requires, ticket_access_or_phone
from app.domain_errors import Invalid
from app.extensions import db
from app.jsonforms import ChoiceField, TrueFalseField, query_parameters, read_json_object, validate_json, validate_query
from app.openapi import STRING, documented, page_params, paginated, problem
from app.pagination import page_query, paginate, paginated_result
from app.request_scope import current_customer_id, current_representative, current_scope
from app.tenancy import get_scoped_or_404, scoped
from app.versions import ETAG, IF_MATCH, STALE_ETAG, load_for_write, precondition_failed, reloaded

bp = Blueprint("api_actions", __name__, url_prefix="/api/Actions")

SORTABLE = {
    "Name": Action.name,
    "ActionType": Action.action_type,
    "IsActive": Action.is_active,
    "ActionID": Action.id,
    "CreatedAt": Action.created_at,
}


STALE = precondition_failed("Action", current=ACTION_SCHEMA)


class ActionFilters(Form):
    search = StringField("search", description="Text in the name or description.")
    actionType = ChoiceField("actionType", values=ACTION_TYPES, description="Only actions of this type.")
    isActive = TrueFalseField("isActive", description="true or false.")


def filtered_actions(customer_id: int, search: str | None, action_type: str | None, is_active: bool | None):
    """The customer's actions matching the list filters (shared with the dashboard)."""
    stmt = scoped(Action, customer_id)
    if search:
        term = search.strip()  # % and _ match literally (autoescape)
        stmt = stmt.where(or_(Action.name.icontains(term, autoescape=True),
                              Action.description.icontains(term, autoescape=True)))
    if action_type:
        stmt = stmt.where(Action.action_type == action_type)
    if is_active is not None:
        stmt = stmt.where(Action.is_active.is_(is_active))
    return stmt


def _default_time_zone() -> str | None:
    """A schedule without a time zone runs in the representative's."""
    rep = current_representative()
    return rep.time_zone if rep is not None else None


def _for_write(customer_id: int, action_id: int) -> Action:
    return load_for_write(Action, customer_id, action_id, action_etag, action_dto)


def secrets_in(body: dict) -> dict:
    """Write-only secrets: left out or null keeps, "" clears, anything else replaces."""
    return {name: body[name] for name in SECRET_FIELDS if body.get(name) is not None}


@bp.get("")
@documented(
    summary="List actions (PaginatedResult of ActionReadDTO without customFieldDefinitions)",
    query=page_params(SORTABLE, "Name", **query_parameters(ActionFilters)),
    responses={200: ("A page of actions", paginated(ACTION_LIST_ITEM_SCHEMA))},
)
@requires("ManageSettings")
def list_actions():
    query = page_query(SORTABLE, "Name")
    filters = validate_query(ActionFilters, request.args)
    stmt = filtered_actions(current_customer_id(), filters.search.data, filters.actionType.data or None,
                            filters.isActive.data)
    rows, total = paginate(stmt, query, SORTABLE, Action.id)
    return jsonify(paginated_result([action_dto(a, with_custom_fields=False) for a in rows], total, query))


@bp.post("")
@documented(summary="Create an action", body=ActionForm,
            responses={201: ("Created; Location names the new action", ACTION_SCHEMA)})
@requires("ManageSettings")
def create():
    form, body = validate_json(ActionForm, base={"isActive": True})
    action = create_action(*current_scope(), form.data, secrets_in(body), _default_time_zone())
    return jsonify(action_dto(action)), 201, {"Location": url_for(".read", action_id=action.id)}


@bp.get("/available")
@documented(
    summary="Active actions, for ticket handling (Admins, Agents and phone tokens)",
    responses={200: ("A list of ActionAvailableDTO", {"type": "array", "items": ACTION_AVAILABLE_SCHEMA})},
)
@ticket_access_or_phone
def available():
    actions = db.session.scalars(scoped(Action, current_customer_id(), Action.is_active.is_(True))
                                 .order_by(Action.name, Action.id))
    return jsonify([action_available_dto(a) for a in actions])


@bp.get("/<int:action_id>")
@documented(summary="One action", responses={200: ("ActionReadDTO", ACTION_SCHEMA)}, response_headers={200: ETAG})
@requires("ManageSettings")
def read(action_id: int):
    action = get_scoped_or_404(Action, current_customer_id(), action_id)
    return jsonify(action_dto(action)), 200, {"ETag": action_etag(action)}


@bp.put("/<int:action_id>")
@documented(
    summary="Update an action: a field left out keeps its value, null clears it; "
            "actionID is required and must equal the route id",
    body=ActionForm, partial=True, headers=IF_MATCH, responses={204: ("Saved", None), 412: STALE},
    response_headers={204: ETAG, 412: STALE_ETAG},
)
@requires("ManageSettings")
def update(action_id: int):
    """Partial update: a field left out keeps its stored value (null clears a nullable one)."""
    body = read_json_object()
    if "actionID" not in body:
        raise Invalid({"actionID": ["actionID is required and must equal the id in the URL."]})
    if body["actionID"] != action_id:
        raise Invalid({"actionID": [f"Expected {action_id}, got {body['actionID']!r}."]},
                      "The body actionID must match the route id.")
    customer_id, actor = current_scope()
    action = _for_write(customer_id, action_id)
    form, body = validate_json(ActionForm, base=action_values(action), partial=True, body=body)
    update_action(customer_id, actor, action, form.data, secrets_in(body), _default_time_zone())
    return "", 204, {"ETag": action_etag(reloaded(action))}


@bp.delete("/<int:action_id>")
@documented(
    summary="Delete an action that no topic or hook links to", headers=IF_MATCH,
    responses={204: ("Deleted", None), 409: ("Still linked; `links` names every link",
                                              problem("ActionStillLinked", links={"type": "array", "items": STRING})),
               412: STALE},
    response_headers={412: STALE_ETAG},
)
@requires("ManageSettings")
def delete(action_id: int):
    customer_id, actor = current_scope()
    delete_action(customer_id, actor, _for_write(customer_id, action_id))
    return "", 204
