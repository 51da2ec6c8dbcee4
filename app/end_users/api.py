"""/api/EndUsers and /api/EndUserUIDs/assign (bearer token, scoped to the token's customer)."""
from flask import Blueprint, jsonify, request, url_for
from sqlalchemy.exc import IntegrityError

from app.auth.policies import requires
from app.end_users import queries
from app.end_users.forms import AssignUIDForm, EndUserCreateForm, EndUserUpdateForm
from app.end_users.models import EndUser
from app.end_users.operations import (
    IdentifierConflict, assign_uid, create_end_user, delete_end_user, update_end_user,
)
from app.end_users.serializers import end_user_dto, profile, ticket_dto, uid_dto
from app.extensions import db
from app.jsonforms import read_json_object, validate_json
from app.pagination import page_query, paginate, paginated_result
from app.problems import Problem, ValidationProblem, problem_response
from app.tenancy import current_customer_id, get_scoped, get_scoped_or_404
from app.tickets.models import Ticket

bp = Blueprint("api_end_users", __name__, url_prefix="/api")
guard = requires("TicketAccess")


@bp.errorhandler(IdentifierConflict)
def _conflict(exc: IdentifierConflict):
    db.session.rollback()
    return problem_response(
        409, exc.conflicts[0].message if len(exc.conflicts) == 1 else
        "Some identifiers already belong to other end users: " + " ".join(c.message for c in exc.conflicts),
        {c.field: [c.message] for c in exc.conflicts},
        conflicts=[{"field": c.field, "uidType": c.uid_type, "uid": c.uid, "endUserID": c.owner.id,
                    "name": c.owner.name} for c in exc.conflicts],
    )


@bp.errorhandler(IntegrityError)
def _race(_exc):
    db.session.rollback()
    return problem_response(409, "The identifier was just saved by another request. Reload and try again.")


def _dtos(end_users: list[EndUser]) -> list[dict]:
    latest = queries.last_interactions([u.id for u in end_users])
    return [end_user_dto(u, latest.get(u.id)) for u in end_users]


def _one(end_user: EndUser) -> dict:
    return _dtos([end_user])[0]


@bp.get("/EndUsers")
@guard
def list_end_users():
    filters = queries.list_filters()
    sortable = queries.sortable_columns()
    page = page_query(sortable, "endUserID")
    rows, total = paginate(queries.end_user_list(filters), page, sortable, EndUser.id)
    return jsonify(paginated_result(_dtos(rows), total, page))


@bp.post("/EndUsers")
@guard
def create():
    form, _ = validate_json(EndUserCreateForm)
    end_user = create_end_user(current_customer_id(), form.data)
    db.session.commit()
    response = jsonify(_one(end_user))
    response.status_code = 201
    response.headers["Location"] = url_for(".get", end_user_id=end_user.id)
    return response


@bp.get("/EndUsers/<int:end_user_id>")
@guard
def get(end_user_id):
    return jsonify(_one(get_scoped_or_404(EndUser, end_user_id)))


@bp.put("/EndUsers/<int:end_user_id>")
@guard
def update(end_user_id):
    end_user = get_scoped_or_404(EndUser, end_user_id)
    form, _ = validate_json(EndUserUpdateForm, base=profile(end_user), partial=True)
    update_end_user(end_user, form.data)
    db.session.commit()
    return "", 204


@bp.delete("/EndUsers/<int:end_user_id>")
@guard
def delete(end_user_id):
    delete_end_user(get_scoped_or_404(EndUser, end_user_id))
    db.session.commit()
    return "", 204


@bp.get("/EndUsers/byUid")
@guard
def by_uid():
    value = (request.args.get("uid") or "").strip()
    if not value:
        raise ValidationProblem({"uid": ["The uid query parameter is required."]})
    return jsonify(_dtos(queries.find_by_identifier(value)))


@bp.get("/EndUsers/<int:end_user_id>/tickets")
@guard
def tickets(end_user_id):
    end_user = get_scoped_or_404(EndUser, end_user_id)
    filters = queries.ticket_filters()
    sortable = queries.ticket_sortable_columns()
    default_order = "asc" if request.args.get("sortBy") else "desc"
    page = page_query(sortable, "lastMessageDate", default_order)
    rows, total = paginate(queries.ticket_history(end_user, filters), page, sortable, Ticket.id)
    extras = queries.ticket_extras(rows)
    return jsonify(paginated_result([ticket_dto(t, extras[t.id]) for t in rows], total, page))


@bp.post("/EndUserUIDs/assign")
@guard
def assign():
    body = read_json_object()
    ident = body.get("endUserID")
    end_user = get_scoped(EndUser, ident) if isinstance(ident, int) and not isinstance(ident, bool) else None
    form, _ = validate_json(AssignUIDForm, body=body, region=end_user.country if end_user else None)
    if end_user is None:
        raise Problem(404, "End user not found.")
    uid, created = assign_uid(end_user, form.uidType.data, form.uid.data, form.isPrimary.data)
    db.session.commit()
    if created:
        response = jsonify(uid_dto(uid))
        response.status_code = 201
        response.headers["Location"] = url_for(".get", end_user_id=end_user.id)
        return response
    return jsonify({"message": "This identifier is already linked to this end user.", **uid_dto(uid)})
