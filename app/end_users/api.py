"""/api/EndUsers and /api/EndUserUIDs/assign (bearer token, scoped to the token's customer)."""
from flask import Blueprint, jsonify, request, url_for

from app.auth.policies import requires
from app.domain_errors import Invalid, NotFound
from app.end_users import queries
from app.end_users.forms import (
    AssignUIDForm,
    EndUserCreateForm,
    EndUserListQuery,
    EndUserUpdateForm,
    TicketHistoryQuery,
)
from app.end_users.merging import gone_if_merged
from app.end_users.models import EndUser
from app.end_users.operations import assign_uid, create_end_user, delete_end_user, update_end_user
from app.end_users.serializers import (
    ALREADY_ASSIGNED,
    ALREADY_ASSIGNED_SCHEMA,
    END_USER_SCHEMA,
    TICKET_SCHEMA,
    UID_SCHEMA,
    end_user_dto,
    end_user_etag,
    profile,
    ticket_dto,
    uid_dto,
)
from app.jsonforms import query_parameters, read_json_object, validate_json
from app.openapi import STRING, documented, page_params, paginated, problem
from app.pagination import page_query, paginate, paginated_result
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped, get_scoped_or_404
from app.tickets.models import Ticket
from app.versions import ETAG, IF_MATCH, STALE_ETAG, load_for_write, precondition_failed, reloaded

bp = Blueprint("api_end_users", __name__, url_prefix="/api")
guard = requires("TicketAccess")

CONFLICT = problem("IdentifierConflict", conflicts={"type": "array", "items": {
    "type": "object", "required": ["field", "uidType", "uid", "endUserID", "name"],
    "properties": {"field": STRING, "uidType": STRING, "uid": STRING, "endUserID": {"type": "integer"}, "name": STRING},
}})
IDENTIFIER_CONFLICT = ("An identifier already belongs to another end user; nothing was saved", CONFLICT)
STALE = precondition_failed("EndUser", current=END_USER_SCHEMA)


def _dtos(end_users: list[EndUser]) -> list[dict]:
    return [end_user_dto(u, u.last_interaction_at) for u in end_users]


def _one(end_user: EndUser) -> dict:
    return _dtos([end_user])[0]


def _for_write(customer_id: int, end_user_id: int) -> EndUser:
    with gone_if_merged(customer_id, end_user_id):
        return load_for_write(EndUser, customer_id, end_user_id, end_user_etag, _one)


@bp.get("/EndUsers")
@documented(
    summary="List end users (PaginatedResult of EndUserReadDTO)",
    query=page_params(queries.sortable_columns(), "endUserID", **query_parameters(EndUserListQuery)),
    responses={200: ("A page of end users", paginated(END_USER_SCHEMA))},
)
@guard
def list_end_users():
    filters = queries.list_filters(request.args)
    sortable = queries.sortable_columns()
    page = page_query(sortable, "endUserID")
    rows, total = paginate(queries.end_user_list(current_customer_id(), filters), page, sortable, EndUser.id)
    return jsonify(paginated_result(_dtos(rows), total, page))


@bp.post("/EndUsers")
@documented(
    summary="Create an end user with identifiers",
    body=EndUserCreateForm,
    responses={201: ("Created; Location names the new end user", END_USER_SCHEMA), 409: IDENTIFIER_CONFLICT},
)
@guard
def create():
    form, _ = validate_json(EndUserCreateForm)
    end_user = create_end_user(*current_scope(), form.data)
    return jsonify(_one(end_user)), 201, {"Location": url_for(".get", end_user_id=end_user.id)}


@bp.get("/EndUsers/<int:end_user_id>")
@documented(summary="One end user", responses={200: ("EndUserReadDTO", END_USER_SCHEMA)},
            response_headers={200: ETAG})
@guard
def get(end_user_id):
    # one statement: the person with their identifiers (the last interaction is a column)
    with gone_if_merged(current_customer_id(), end_user_id):
        end_user = get_scoped_or_404(EndUser, current_customer_id(), end_user_id, joined=("uids",))
    return jsonify(_one(end_user)), 200, {"ETag": end_user_etag(end_user)}


@bp.put("/EndUsers/<int:end_user_id>")
@documented(
    summary="Update an end user: a field left out keeps its value, null clears it; "
            "identifiers not listed are kept, markAsDeleted removes one",
    body=EndUserUpdateForm, partial=True, headers=IF_MATCH,
    responses={204: ("Saved", None), 409: IDENTIFIER_CONFLICT, 412: STALE},
    response_headers={204: ETAG, 412: STALE_ETAG},
)
@guard
def update(end_user_id):
    customer_id, actor = current_scope()
    end_user = _for_write(customer_id, end_user_id)
    form, _ = validate_json(EndUserUpdateForm, base=profile(end_user), partial=True)
    update_end_user(customer_id, actor, end_user, form.data)
    return "", 204, {"ETag": end_user_etag(reloaded(end_user))}


@bp.delete("/EndUsers/<int:end_user_id>")
@documented(summary="Delete an end user and their identifiers (not their tickets)", headers=IF_MATCH,
            responses={204: ("Deleted", None), 412: STALE}, response_headers={412: STALE_ETAG})
@guard
def delete(end_user_id):
    customer_id, actor = current_scope()
    delete_end_user(customer_id, actor, _for_write(customer_id, end_user_id))
    return "", 204


@bp.get("/EndUsers/byUid")
@documented(
    summary="End users with this identifier or customerRef (possibly none)",
    query={"uid": ({"type": "string", "minLength": 1}, "The identifier (any case; a phone in any format) or customerRef; required.")},
    responses={200: ("A list of EndUserReadDTO", {"type": "array", "items": END_USER_SCHEMA})},
)
@guard
def by_uid():
    value = (request.args.get("uid") or "").strip()
    if not value:
        raise Invalid({"uid": ["The uid query parameter is required."]})
    return jsonify(_dtos(queries.find_by_identifier(current_customer_id(), value)))


@bp.get("/EndUsers/<int:end_user_id>/tickets")
@documented(
    summary="Ticket history of an end user (PaginatedResult of TicketReadDTO, newest message first)",
    query=page_params(queries.ticket_sortable_columns(), "lastMessageDate", **query_parameters(TicketHistoryQuery)),
    responses={200: ("A page of tickets", paginated(TICKET_SCHEMA))},
)
@guard
def tickets(end_user_id):
    customer_id = current_customer_id()
    end_user = get_scoped_or_404(EndUser, customer_id, end_user_id)
    filters = queries.ticket_filters(request.args)
    sortable = queries.ticket_sortable_columns()
    default_order = "asc" if request.args.get("sortBy") else "desc"
    page = page_query(sortable, "lastMessageDate", default_order)
    rows, total = paginate(queries.ticket_history(end_user, filters), page, sortable, Ticket.id)
    extras = queries.ticket_extras(customer_id, rows)
    return jsonify(paginated_result([ticket_dto(t, extras[t.id]) for t in rows], total, page))


@bp.post("/EndUserUIDs/assign")
@documented(
    summary="Link an identifier to an end user (isPrimary: true makes it the primary one)",
    body=AssignUIDForm,
    responses={201: ("Linked; the identifier record", UID_SCHEMA),
               200: ("Already linked to this end user", ALREADY_ASSIGNED_SCHEMA), 409: IDENTIFIER_CONFLICT},
)
@guard
def assign():
    customer_id, actor = current_scope()
    body = read_json_object()
    ident = body.get("endUserID")
    end_user = get_scoped(EndUser, customer_id, ident) if isinstance(ident, int) and not isinstance(ident, bool) else None
    form, _ = validate_json(AssignUIDForm, body=body, region=end_user.country if end_user else None)
    if end_user is None:
        raise NotFound("End user not found.")
    uid, created = assign_uid(customer_id, actor, end_user, form.uidType.data, form.uid.data, form.isPrimary.data)
    if created:
        return jsonify(uid_dto(uid)), 201, {"Location": url_for(".get", end_user_id=end_user.id)}
    return jsonify(ALREADY_ASSIGNED.dump(uid, message="This identifier is already linked to this end user."))


from app.end_users import bulk_api, import_api  # noqa: E402,F401  (their routes live on this blueprint)
