"""/api/Customers: the caller's own account settings, its model catalogue and phone secrets."""
from flask import Blueprint, jsonify

from app.auth.policies import current_principal, phone_auth_only, requires
from app.customers.forms import NOT_NULLABLE, CustomerUpdateForm
from app.customers.models import SECRET_FIELDS, Customer
from app.customers.operations import update_settings
from app.customers.queries import models_for
from app.customers.serializers import (
    CUSTOMER_SCHEMA,
    MODEL_SCHEMA,
    PHONE_SECRETS_SCHEMA,
    READ_ONLY,
    customer_etag,
    customer_read_dto,
    phone_secrets_dto,
    read_only_values,
    settings_values,
)
from app.domain_errors import Invalid
from app.extensions import db
from app.jsonforms import read_json_object, validate_json
from app.openapi import documented
from app.request_scope import current_customer_id, current_scope
from app.versions import ETAG, IF_MATCH, STALE_ETAG, check_if_match, if_match, precondition_failed, reloaded

bp = Blueprint("api_customers", __name__, url_prefix="/api/Customers")
STALE = precondition_failed("Customer", current=CUSTOMER_SCHEMA)


def _customer(lock: bool = False) -> Customer:
    """The caller's customer; lock=True reads it afresh under its row lock, FOR NO KEY UPDATE (the
    lock its UPDATE takes anyway) rather than tenancy's FOR UPDATE: every tenant row refers to this
    one, and inserting them must not wait for a settings change."""
    if lock:
        return db.session.get(Customer, current_customer_id(), with_for_update={"key_share": True},
                              populate_existing=True)
    return db.session.get(Customer, current_customer_id())


@bp.get("/me")
@documented(
    summary="Your account settings (CustomerReadDTO); secrets are null, configuredSecrets names the set ones",
    responses={200: ("CustomerReadDTO", CUSTOMER_SCHEMA)}, response_headers={200: ETAG},
)
@requires("ManageSettings")
def get_me():
    customer = _customer()
    return customer_read_dto(customer), 200, {"ETag": customer_etag(customer)}


@bp.put("/me")
@documented(
    summary="Update settings: a field left out keeps its value, null clears it; "
            "a secret left out or null is kept, \"\" clears it, any other value replaces it",
    body=CustomerUpdateForm, partial=True, headers=IF_MATCH, responses={204: ("Saved", None), 412: STALE},
    response_headers={204: ETAG, 412: STALE_ETAG},
)
@requires("ManageSettings")
def update_me():
    condition = if_match()
    customer = _customer(lock=condition is not None)
    check_if_match(customer_etag(customer), condition, lambda: {"current": customer_read_dto(customer)})
    body = _without_read_only(read_json_object(), customer)
    nulls = {name: ["This field cannot be null."] for name in NOT_NULLABLE if name in body and body[name] is None}
    if nulls:
        raise Invalid(nulls)
    form, body = validate_json(
        CustomerUpdateForm, base=settings_values(customer), partial=True, body=body, customer=customer
    )
    values = {name: form[name].data for name in body if name not in SECRET_FIELDS}
    # a secret left out or null keeps; "" clears; anything else replaces
    secrets = {name: form[name].data or "" for name in SECRET_FIELDS if body.get(name) is not None}
    update_settings(*current_scope(), customer, values, secrets)
    return "", 204, {"ETag": customer_etag(reloaded(customer))}


def _without_read_only(body: dict, customer: Customer) -> dict:
    """A body copied from GET /me may carry the read-only fields, unchanged; a change is a 400."""
    current = read_only_values(customer)
    errors = {
        name: ["This field is read-only."]
        for name in current
        if name in body and body[name] != current[name]
    }
    if errors:
        raise Invalid(errors)
    return {k: v for k, v in body.items() if k not in READ_ONLY}


@bp.get("/models")
@documented(
    summary="Active global and own AI models, plus inactive ones still selected as a default",
    responses={200: ("A list of CustomerModelDTO", {"type": "array", "items": MODEL_SCHEMA})},
)
@requires("ManageSettings")
def list_models():
    return jsonify([model.to_dto() for model in models_for(_customer())])


@bp.get("/my-secrets")
@documented(
    summary="Provider credentials for phone flows (phone-login token of an active Phone channel only)",
    responses={200: ("Twilio, OpenAI and Google credentials and ids", PHONE_SECRETS_SCHEMA)},
)
@phone_auth_only
def my_secrets():
    principal = current_principal()
    response = jsonify(phone_secrets_dto(_customer(), principal.channel_id))
    response.headers["Cache-Control"] = "no-store"
    return response
