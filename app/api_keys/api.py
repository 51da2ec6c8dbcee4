"""/api/ApiKeys: an Admin (a person, never a key) creates, lists and revokes the tenant's keys."""
from flask import Blueprint, jsonify, url_for

from app.api_keys.forms import ApiKeyCreateForm
from app.api_keys.models import ApiKey
from app.api_keys.operations import create_api_key, revoke_api_key
from app.api_keys.serializers import API_KEY, API_KEY_CREATED
from app.auth.policies import requires
from app.extensions import db
from app.jsonforms import validate_json
from app.openapi import documented
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404, scoped

bp = Blueprint("api_keys", __name__, url_prefix="/api/ApiKeys")
guard = requires("ManageSettings", keys=False)
NO_STORE = {"Cache-Control": "no-store"}


def tenant_keys(customer_id: int) -> list[ApiKey]:
    return list(db.session.scalars(scoped(ApiKey, customer_id).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())))


@bp.get("")
@documented(summary="The account's API keys (never the keys themselves)",
            responses={200: ("A list of ApiKeyReadDTO", {"type": "array", "items": API_KEY.schema})})
@guard
def list_keys():
    return jsonify([API_KEY.dump(key) for key in tenant_keys(current_customer_id())])


@bp.post("")
@documented(summary="Create an API key; the answer holds the key, shown this once", body=ApiKeyCreateForm,
            responses={201: ("Created; copy the key now", API_KEY_CREATED.schema)})
@guard
def create():
    form, _ = validate_json(ApiKeyCreateForm)
    key, plaintext = create_api_key(*current_scope(), form.name.data, form.chosen_scopes, form.expiresAt.data)
    return jsonify(API_KEY_CREATED.dump(key, key=plaintext)), 201, {
        **NO_STORE, "Location": url_for(".list_keys")}


@bp.delete("/<int:key_id>")
@documented(summary="Revoke an API key: the next request with it is a 401", responses={204: ("Revoked", None)})
@guard
def revoke(key_id):
    customer_id, actor = current_scope()
    revoke_api_key(customer_id, actor, get_scoped_or_404(ApiKey, customer_id, key_id))
    return "", 204
