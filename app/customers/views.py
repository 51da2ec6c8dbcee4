"""Settings area: one page per CustomerUpdateDTO group, each saved on its own through htmx.

Every answer to an htmx request is the group's partial: with errors beside the fields (200, since
htmx does not swap 4xx) or fresh from the database with a success toast.
"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from app.auth.models import Representative
from app.auth.policies import requires
from app.catalog.models import CAPABILITIES
from app.channels.models import Channel
from app.channels.operations import rotate_channel_secret
from app.customers import connection_tests
from app.customers.forms import (
    GROUPS,
    INTERNET_ACCESS_FIELDS,
    MAX_ID,
    ApiConnectorForm,
    EmailProviderForm,
    stored_value,
)
from app.customers.models import MODEL_USAGES, SECRET_FIELDS, Customer
from app.customers.operations import update_settings
from app.customers.queries import catalogue as catalogue_query
from app.customers.queries import choices_for_usage
from app.customers.serializers import secret_status, settings_values
from app.extensions import db
from app.htmx_helpers import toast, wants_partial
from app.jsonforms import form_fields
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped, scoped
from app.versions import etag_of, matches, secret_digest

bp = Blueprint("customers", __name__, url_prefix="/settings")

# Selects whose value decides which fields apply: a change re-renders the group from its values.
SWITCHES = ("apiAuthenticationType", "emailProviderType", *MODEL_USAGES.values())


def _customer() -> Customer:
    return db.session.get(Customer, current_customer_id())


def _form_class(group: str):
    if group not in GROUPS:
        abort(404)
    return GROUPS[group][1]


def _stored_form(group: str, customer: Customer):
    return _form_class(group)(formdata=None, data=settings_values(customer), customer=customer)


def _wire_switches(form, group: str) -> None:
    url = url_for(".fields", group=group)
    for name in SWITCHES:
        if name in form:
            form[name].render_kw = {
                "hx-get": url, "hx-trigger": "change", "hx-target": "closest form",
                "hx-swap": "outerHTML", "hx-include": "closest form",
            }


def group_version(group: str, customer: Customer) -> str:
    """The version of one settings group as stored: its values and a keyed digest of its secrets, so
    two tabs saving the same group never overwrite each other in silence (other groups do not count)."""
    names = [name for name, _ in form_fields(_form_class(group))]
    stored = settings_values(customer)
    return etag_of({name: stored[name] if name in stored else secret_digest(s.value if (s := customer.secret(name)) else None)
                    for name in names})


def _context(group: str, form, customer: Customer, version: str | None = None, stale: bool = False) -> dict:
    _wire_switches(form, group)
    context = {
        "group": group,
        "title": GROUPS[group][0],
        "form": form,
        # the version first shown travels with the form (field switches, errors) until a save succeeds
        "version": version or request.values.get("version") or group_version(group, customer),
        "stale": stale,
        "visible": set(form.applicable()),
        "secrets": {f.name: secret_status(customer, f.name) for f in form if f.name in SECRET_FIELDS},
        "customer": customer,
    }
    if group == "models":
        context["model_rows"] = _model_rows(form, customer)
    if group == "operations":
        context["representatives"] = _representatives(customer)
    return context


def _model_rows(form, customer: Customer) -> list[dict]:
    rows = []
    for usage, name in MODEL_USAGES.items():
        current = form[name].data
        groups = choices_for_usage(customer, usage, stored_value(customer, name))
        chosen = next((m for models in groups.values() for m in models if m.id == current), None)
        internet = INTERNET_ACCESS_FIELDS.get(usage)
        rows.append({
            "usage": usage, "field": form[name], "groups": groups, "chosen": chosen,
            "internet": form[internet] if internet else None,
        })
    return rows


def _representatives(customer: Customer) -> list[Representative]:
    query = scoped(Representative, customer.id).order_by(Representative.email)
    reps = list(db.session.scalars(query))
    return [r for r in reps if r.is_active or r.id == customer.default_customer_rep_id]


def _render_group(group: str, form, customer: Customer):
    context = _context(group, form, customer)
    if wants_partial():
        return render_template(f"customers/_{group}.html", **context)
    return render_template("customers/settings.html", groups=GROUPS, **context, **_page_extras(group))


def _page_extras(group: str) -> dict:
    if group != "secrets":
        return {}
    channels = db.session.scalars(scoped(Channel, current_customer_id(), Channel.channel_type == "Phone")
                                  .order_by(Channel.name))
    return {"phone_channels": list(channels)}


@bp.get("/")
@requires("ManageSettings")
def settings():
    return redirect(url_for(".group", group="connector"))


@bp.get("/<group>")
@requires("ManageSettings")
def group(group):
    customer = _customer()
    return _render_group(group, _stored_form(group, customer), customer)


@bp.get("/<group>/fields")
@requires("ManageSettings")
def fields(group):
    """The group re-rendered from the values on screen (no validation): fields that apply appear."""
    customer = _customer()
    form = _form_class(group)(formdata=request.args, customer=customer)
    return render_template(f"customers/_{group}.html", **_context(group, form, customer))


@bp.post("/<group>")
@requires("ManageSettings")
def save(group):
    customer = _customer()
    form = _form_class(group)(customer=customer)
    seen, current = request.form.get("version"), group_version(group, customer)
    if seen and not matches(seen, current):
        form.validate()  # the typed values stay on screen, with the current version to save over
        body = render_template(f"customers/_{group}.html", **_context(group, form, customer, current, stale=True))
        return toast(body, f"{GROUPS[group][0]} were changed meanwhile: nothing saved.", level="error")
    if not form.validate():
        if not wants_partial():
            return _render_group(group, form, customer)
        body = render_template(f"customers/_{group}.html", **_context(group, form, customer))
        return toast(body, "Nothing was saved: check the highlighted fields.", level="error")
    names = form.applicable()
    values = {name: form[name].data for name in names if name not in SECRET_FIELDS}
    secrets = {name: form[name].data for name in names if name in SECRET_FIELDS and form[name].data}  # blank keeps
    update_settings(*current_scope(), customer, values, secrets)
    if not wants_partial():  # a plain form post (no JavaScript): back to the page
        flash(f"{GROUPS[group][0]} saved.")
        return redirect(url_for(".group", group=group))
    fresh = _stored_form(group, customer)
    body = render_template(f"customers/_{group}.html", **_context(group, fresh, customer, group_version(group, customer)))
    return toast(body, f"{GROUPS[group][0]} saved.")


def _secret_field(group: str, name: str):
    form = _stored_form(group, _customer())
    if name not in SECRET_FIELDS or name not in form:
        abort(404)
    return form[name]


@bp.get("/<group>/secret/<name>")
@requires("ManageSettings")
def secret(group, name):
    """The write-only widget of one secret: its status, or an empty input to replace it (?edit=1)."""
    field = _secret_field(group, name)
    return render_template(
        "customers/_secret.html", f=field, group=group, status=secret_status(_customer(), name),
        editing=request.args.get("edit") == "1",
    )


@bp.post("/<group>/secret/<name>/clear")
@requires("ManageSettings")
def clear_secret(group, name):
    field = _secret_field(group, name)
    customer = _customer()
    update_settings(*current_scope(), customer, {}, {name: ""})
    body = render_template(
        "customers/_secret.html", f=field, group=group, status=secret_status(customer, name), editing=False
    )
    return toast(body, f"{field.label.text} cleared.")


@bp.post("/<group>/test/<kind>")
@requires("ManageSettings")
def test_connection(group, kind):
    """Test the values on screen; a blank secret input means the stored secret."""
    customer = _customer()
    timeout = current_app.config["CONNECTION_TEST_TIMEOUT"]
    if (group, kind) == ("connector", "api"):
        form = ApiConnectorForm(customer=customer)
    elif (group, kind) in (("email", "smtp"), ("email", "imap")):
        form = EmailProviderForm(customer=customer)
    else:
        abort(404)
    if not form.validate():
        problems = "; ".join(f"{form[n].label.text}: {' '.join(e)}" for n, e in form.errors.items() if n in form)
        return _test_result(False, f"Fix the settings first. {problems}")
    outcome = _run_test(kind, form, customer, timeout, current_app.config["CONNECTION_TEST_ALLOWED_HOSTS"])
    return _test_result(outcome.ok, outcome.message)


API_SECRET_OF = {"Basic": "apiPassword", "Bearer": "apiToken", "ApiKey": "apiToken"}


def _stored_secret_elsewhere(form, customer) -> str | None:
    """The field whose stored secret the test would send to a base URL other than the saved one."""
    name = API_SECRET_OF.get(form.apiAuthenticationType.data)
    if name is None or form[name].data or customer.secret(name) is None:
        return None
    return name if (form.apiBaseUrl.data or "").strip() != (customer.api_base_url or "").strip() else None


def _run_test(kind, form, customer, timeout, allowed):
    def secret_value(name):
        return form[name].data or (s.value if (s := customer.secret(name)) else None)

    if kind == "api":
        if not form.apiBaseUrl.data:
            return connection_tests.Outcome(False, "Enter the base URL first.")
        if name := _stored_secret_elsewhere(form, customer):
            return connection_tests.Outcome(False, f"{form[name].label.text}: type it again to test this base URL. "
                                                   "The stored one is sent only to the saved base URL.")
        return connection_tests.http_api(
            form.apiBaseUrl.data, form.apiAuthenticationType.data, form.apiUsername.data,
            secret_value("apiPassword"), secret_value("apiToken"), timeout=timeout, allowed=allowed,
        )
    host, port, tls = (
        (form.smtpServer.data, form.smtpPort.data, form.smtpUseSsl.data) if kind == "smtp"
        else (form.imapServer.data, form.imapPort.data, form.imapUseSsl.data)
    )
    if not host or not port:
        return connection_tests.Outcome(False, f"Enter the {kind.upper()} server and port first.")
    username = (request.form.get("testUsername") or "").strip() or None
    password = request.form.get("testPassword") or None
    test = connection_tests.smtp if kind == "smtp" else connection_tests.imap
    return test(host, port, tls, username, password, timeout=timeout, allowed=allowed)


def _test_result(ok: bool, message: str):
    return render_template("customers/_test_result.html", ok=ok, message=message)


@bp.post("/secrets/channels/<int:channel_id>/rotate")
@requires("ManageSettings")
def rotate_channel(channel_id):
    """A phone channel's new secret, shown in this answer only."""
    customer_id, actor = current_scope()
    channel = get_scoped(Channel, customer_id, channel_id) if channel_id <= MAX_ID else None
    if channel is None or channel.channel_type != "Phone":
        abort(404)
    plaintext = rotate_channel_secret(customer_id, actor, channel)
    body = render_template("customers/_phone_channel.html", channel=channel, new_secret=plaintext)
    response = toast(body, f"New secret for {channel.name}: copy it now, it is not shown again.")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/catalogue")
@requires("ManageSettings")
def catalogue():
    customer = _customer()
    filters = {
        "usage": request.args.get("usage") if request.args.get("usage") in MODEL_USAGES else None,
        "capability": request.args.get("capability") if request.args.get("capability") in CAPABILITIES else None,
        "scope": request.args.get("scope") if request.args.get("scope") in ("global", "own") else None,
        "status": request.args.get("status") if request.args.get("status") in ("all", "inactive") else "active",
        "allowed_only": request.args.get("allowed") == "1",
    }
    models = catalogue_query(customer, **filters)
    context = {"models": models, "filters": filters, "customer": customer, "usages": list(MODEL_USAGES),
               "capabilities": CAPABILITIES, "groups": GROUPS}
    if wants_partial():
        return render_template("customers/_catalogue_rows.html", **context)
    return render_template("customers/catalogue.html", **context)
