"""/api/EndUsers/{id}/merge-preview, /merge and /duplicates (bearer token, the token's customer)."""
from flask import Blueprint, jsonify, request

from app.auth.policies import requires
from app.end_users import queries
from app.end_users.duplicates import dismiss, duplicates_of
from app.end_users.merge_forms import MergeForm, MergePreviewQuery
from app.end_users.merge_serializers import DUPLICATE, DUPLICATE_LIST, MERGE_PREVIEW
from app.end_users.merging import field_comparison, gone_if_merged, merge_end_users, merge_pair
from app.end_users.models import EndUser
from app.end_users.serializers import END_USER_SCHEMA, end_user_dto
from app.jsonforms import query_parameters, validate_json, validate_query
from app.openapi import documented, problem
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped, get_scoped_or_404

bp = Blueprint("api_end_user_merge", __name__, url_prefix="/api")
guard = requires("TicketAccess")

GONE = ("The end user was merged into another one (mergedInto names it)",
        problem("Gone", mergedInto={"type": "integer"}))


def dtos(customer_id: int, end_users: list[EndUser]) -> list[dict]:
    latest = queries.last_interactions(customer_id, [u.id for u in end_users])
    return [end_user_dto(u, latest.get(u.id)) for u in end_users]


@bp.get("/EndUsers/<int:end_user_id>/merge-preview")
@documented(
    summary="What merging sourceEndUserID into this end user would keep: both people and, per profile field, "
            "both values, the default winner (the target's value unless it is empty) and whether they conflict",
    query=query_parameters(MergePreviewQuery),
    responses={200: ("The preview", MERGE_PREVIEW.schema), 410: GONE},
)
@guard
def merge_preview(end_user_id):
    customer_id = current_customer_id()
    query = validate_query(MergePreviewQuery, request.args)
    target, source = merge_pair(customer_id, end_user_id, query.sourceEndUserID.data)
    target_dto, source_dto = dtos(customer_id, [target, source])
    return jsonify(MERGE_PREVIEW.dump(field_comparison(target, source), target=target_dto, source=source_dto))


@bp.post("/EndUsers/<int:end_user_id>/merge")
@documented(
    summary="Merge sourceEndUserID into this end user: its identifiers and ticket history move here, fieldChoices "
            "picks per profile field which value stays; the source then answers 410 Gone. One Merge audit event, "
            "revertible through POST /api/AuditEvents/{id}/revert",
    body=MergeForm,
    responses={200: ("The surviving end user", END_USER_SCHEMA), 410: GONE},
)
@guard
def merge(end_user_id):
    customer_id, actor = current_scope()
    form, _ = validate_json(MergeForm)
    target, source = merge_pair(customer_id, end_user_id, form.sourceEndUserID.data, lock=True)
    merge_end_users(customer_id, actor, target, source, form.choices())
    return jsonify(dtos(customer_id, [target])[0])


@bp.get("/EndUsers/<int:end_user_id>/duplicates")
@documented(
    summary="Possible duplicates of this end user: a shared identifier value across types, or a very similar name "
            "at the same company or e-mail local part; best first, dismissed pairs left out",
    responses={200: ("Suggestions", DUPLICATE_LIST), 410: GONE},
)
@guard
def duplicates(end_user_id):
    customer_id = current_customer_id()
    with gone_if_merged(customer_id, end_user_id):
        end_user = get_scoped_or_404(EndUser, customer_id, end_user_id)
    found = duplicates_of(end_user)
    people = {u.id: u for u in queries_people(customer_id, [s.second_id for s in found])}
    read = dict(zip(people, dtos(customer_id, list(people.values()))))
    return jsonify({"items": [DUPLICATE.dump(s, endUser=read[s.second_id]) for s in found if s.second_id in read]})


def queries_people(customer_id: int, ids: list[int]) -> list[EndUser]:
    return [u for u in (get_scoped(EndUser, customer_id, i) for i in dict.fromkeys(ids)) if u is not None]


@bp.post("/EndUsers/<int:end_user_id>/duplicates/<int:other_id>/dismiss")
@documented(
    summary="Not the same person: this pair is never suggested again",
    responses={204: ("Dismissed", None)},
    bodyless=True,
)
@guard
def dismiss_duplicate(end_user_id, other_id):
    customer_id, actor = current_scope()
    end_user, other = merge_pair(customer_id, end_user_id, other_id)
    dismiss(customer_id, actor, end_user, other)
    return "", 204
