"""Dashboard: the API keys page (Admin). A new key is rendered in its creation answer only."""
from flask import Blueprint, flash, redirect, render_template, url_for

from app.api_keys.api import tenant_keys
from app.api_keys.forms import ApiKeyCreateForm
from app.api_keys.models import ApiKey
from app.api_keys.operations import create_api_key, revoke_api_key
from app.api_keys.scopes import SCOPE_LABELS, SCOPES
from app.auth.policies import requires
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404

bp = Blueprint("keys", __name__, url_prefix="/settings/api-keys")  # not "api...": that prefix means a bearer token


def _page(form, status=200, created=None):
    body = render_template("api_keys/index.html", form=form, keys=tenant_keys(current_customer_id()),
                           scopes=SCOPES, scope_labels=SCOPE_LABELS, created=created)
    return body, status, {"Cache-Control": "no-store"}


@bp.route("/", methods=["GET", "POST"])
@requires("ManageSettings")
def index():
    form = ApiKeyCreateForm()
    if not form.validate_on_submit():
        return _page(form, 400 if form.errors else 200)
    key, plaintext = create_api_key(*current_scope(), form.name.data, form.chosen_scopes, form.expiresAt.data)
    return _page(ApiKeyCreateForm(formdata=None), created=(key, plaintext))


@bp.post("/<int:key_id>/revoke")
@requires("ManageSettings")
def revoke(key_id: int):
    customer_id, actor = current_scope()
    key = get_scoped_or_404(ApiKey, customer_id, key_id)
    revoke_api_key(customer_id, actor, key)
    flash(f"The key {key.name} is revoked: requests with it are refused from now on.")
    return redirect(url_for(".index"))
