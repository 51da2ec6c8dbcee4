"""Single sign-on: the Admin's settings page, and the login through the tenant's OpenID provider.

The login page offers "Sign in with SSO" once the typed e-mail's domain belongs to a tenant with
single sign-on; that reveals only that the domain uses SSO, never whether the person has an account.
"""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.auth.emails import InvalidEmail, normalize_email
from app.auth.forms import LoginForm
from app.auth.models import Representative
from app.auth.policies import requires
from app.auth.ratelimits import throttle_sso
from app.auth.views import _safe_next, signed_in
from app.customers.forms import GROUPS
from app.domain_errors import Invalid
from app.extensions import db
from app.request_scope import current_scope
from app.sso.client import SsoRefused, authorize_redirect, identity_from_callback
from app.sso.forms import SsoSettingsForm
from app.sso.models import FIELDS
from app.sso.operations import SSO_ACTOR, create_sso_agent, save_settings, settings_for_domain, settings_of
from app.unit_of_work import begin_writing

bp = Blueprint("sso", __name__)

PENDING = "sso_pending"  # session key: the tenant and the page to return to, while at the provider


# --- settings (Admin) ---------------------------------------------------------------------------

def _page(form, settings, status=200):
    return render_template("sso/settings.html", form=form, settings=settings, groups=GROUPS,
                           group=None, title="Single sign-on"), status


@bp.get("/settings/sso")
@requires("ManageSettings")
def settings():
    stored = settings_of(current_scope()[0])
    data = {name: getattr(stored, attr) for name, attr in FIELDS.items()} if stored else {}
    return _page(SsoSettingsForm(formdata=None, data=data), stored)


@bp.post("/settings/sso")
@requires("ManageSettings")
def save():
    customer_id, actor = current_scope()
    form = SsoSettingsForm()
    if not form.validate():
        return _page(form, settings_of(customer_id), 400)
    values = {name: form[name].data for name in FIELDS}
    try:
        save_settings(customer_id, actor, values, form.clientSecret.data or None)  # a blank secret keeps the stored one
    except Invalid as exc:
        for name, messages in exc.errors.items():
            form[name].errors = list(messages)
        return _page(form, settings_of(customer_id), 400)
    flash("Single sign-on saved.")
    return redirect(url_for(".settings"))


@bp.post("/settings/sso/secret/clear")
@requires("ManageSettings")
def clear_secret():
    customer_id, actor = current_scope()
    stored = settings_of(customer_id)
    if stored is not None and stored.client_secret:
        save_settings(customer_id, actor, {}, "")
        flash("Client secret cleared.")
    return redirect(url_for(".settings"))


# --- login --------------------------------------------------------------------------------------

def _offer_for(email: str | None):
    """The SSO button's context for a typed e-mail, or None when its domain has no SSO."""
    try:
        email = normalize_email(email or "")
    except InvalidEmail:
        return None
    return {"email": email} if settings_for_domain(email.partition("@")[2]) is not None else None


@bp.app_context_processor
def _login_helpers():
    return {"sso_offer": _offer_for}


def _login_page(error: str, status: int, email: str | None = None):
    form = LoginForm(formdata=None, data={"email": email})
    return render_template("auth/login.html", form=form, error=error), status


@bp.get("/login/sso/offer")
def offer():
    """The SSO button for the e-mail typed so far (htmx, on input). Its answer never sets the session
    cookie: it can arrive after the password sign-in it was typed for, and the anonymous session it
    would carry (Flask-Login marks it not fresh) would sign the person out again."""
    answer = render_template("sso/_offer.html", offer=_offer_for(request.args.get("email")),
                             next=request.args.get("next"))
    session.modified = False
    return answer


@bp.get("/login/sso/start")
@throttle_sso
def start():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    offered = _offer_for(request.args.get("email"))
    if offered is None:
        return _login_page("Single sign-on is not set up for this e-mail address.", 400, request.args.get("email"))
    email = offered["email"]
    tenant_settings = settings_for_domain(email.partition("@")[2])
    session[PENDING] = {"customer": tenant_settings.customer_id, "next": request.args.get("next")}
    try:
        return authorize_redirect(tenant_settings, url_for(".callback", _external=True), email)
    except SsoRefused as exc:
        return _login_page(str(exc), 502, email)


@bp.get("/login/sso/callback")
@throttle_sso
def callback():
    pending = session.pop(PENDING, None)
    stored = settings_of(pending["customer"]) if isinstance(pending, dict) and "customer" in pending else None
    if stored is None or not stored.usable:
        return _login_page("Single sign-on did not complete; start again.", 400)
    try:
        identity = identity_from_callback(stored)
    except SsoRefused as exc:
        return _login_page(str(exc), 401)
    begin_writing()  # after the calls to the provider, which ran in a read transaction
    rep, refusal = _representative_for(stored, identity)
    if rep is None:
        return _login_page(refusal, 403, identity.email)
    signed_in(rep)
    return redirect(_safe_next(pending.get("next")))


def _representative_for(stored, identity):
    """(the representative to sign in, None) or (None, why not)."""
    try:
        email = normalize_email(identity.email)
    except InvalidEmail:
        return None, "The identity provider gave an e-mail address Switchboard cannot use."
    if email.partition("@")[2] != stored.allowed_domain:
        return None, f"Single sign-on here is for addresses at {stored.allowed_domain} only."
    rep = db.session.scalar(select(Representative).where(func.lower(Representative.email) == email))
    if rep is None:
        if not stored.create_agents:
            return None, "You have no Switchboard account yet: ask an administrator of your account to add you."
        return create_sso_agent(stored.customer_id, SSO_ACTOR, email, identity.name), None
    if rep.customer_id != stored.customer_id or not rep.is_active:
        return None, "This account cannot sign in: ask an administrator of your account."
    return rep, None
