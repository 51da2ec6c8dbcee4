"""Abuse and bad input: every text field, hostile strings rendered on the dashboard, CSRF on every
dashboard form, wrong content types, oversized and deeply nested bodies on every JSON write route.

The lists of routes and fields are derived from the code (app.url_map and the JSON schemas of the
form classes), so a new route or field is covered, or fails the test, without anyone remembering.
JWT tampering and login throttling are covered in tests/test_auth_api.py.
"""
import itertools
import json
import re
from dataclasses import dataclass
from typing import Callable

import pytest

from app.tickets.models import Ticket
from markupsafe import escape
from werkzeug.routing.converters import IntegerConverter

from app.actions.forms import ActionForm, HookActionForm, HookPriorityForm, TopicActionForm, TopicPriorityForm
from app.actions.models import Action
from app.actions.serializers import SECRET_ATTRS
from app.api_keys.forms import ApiKeyCreateForm
from app.auth.forms import LoginForm, PhoneLoginForm
from app.channels.forms import ChannelForm
from app.customers.forms import CustomerUpdateForm
from app.customers.models import SECRET_FIELDS, Customer
from app.demo import DEMO_ADMIN, DEMO_PASSWORD
from app.end_users.bulk import BulkChangeForm
from app.end_users.forms import AssignUIDForm, EndUserCreateForm, EndUserUpdateForm
from app.end_users.models import EndUser
from app.extensions import db
from app.jsonforms import json_schema
from app.team.forms import RepresentativeCreateForm, RepresentativeUpdateForm
from app.pipeline.forms import DryRunForm
from app.topics.forms import TopicForm
from tests.conftest import Rep
from tests.tenant_data import differences, snapshot

TEXTS = {
    "unicode": "Zoë 🚀👩🏽‍💻 مرحبا שלום e\u0301\u0328 \u0928\u093f",  # emoji, RTL, combining marks
    "rlo": "invoice\u202egnp.exe",  # a format character: allowed, stored as sent
    "nul": "before\x00after",
    "escape": "before\x1b[31mafter",
}
CONTROL = {"nul", "escape"}  # control characters other than \t \n \r: refused with a field error

SQL = "'; DROP TABLE end_user; --"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'

JSON_METHODS = {"POST", "PUT", "PATCH"}


# ---- The JSON write routes and the form class that validates each body ---------------------------

@dataclass(frozen=True)
class Route:
    """How to send a text value in one field of one JSON write route, and read it back.

    body(world, n) -> a valid body (n makes names unique); path(world) -> URL;
    read(api, world, response) -> the stored DTO (None: nothing is stored, e.g. login).
    """

    form: type | None
    path: Callable
    body: Callable
    read: Callable | None = None
    wrap: bool = False  # bulk: the body is a list of one item


def _location(api, world, response):
    return api.get(response.headers["Location"]).get_json()


def _link_id(dto):
    return dto.get("topicActionID") or dto.get("hookActionID")


ROUTES = {
    "api_auth.login": Route(LoginForm, lambda w: "/api/Auth/login",
                            lambda w, n: {"email": "nobody@example.com", "password": "x"}),
    "api_auth.phone_login": Route(PhoneLoginForm, lambda w: "/api/Auth/phone-login",
                                  lambda w, n: {"channelID": w["channel"], "channelSecret": "x"}),
    "api_customers.update_me": Route(CustomerUpdateForm, lambda w: "/api/Customers/me", lambda w, n: {},
                                     lambda api, w, r: api.get("/api/Customers/me").get_json()),
    "api_actions.create": Route(ActionForm, lambda w: "/api/Actions",
                                lambda w, n: {"name": f"Probe {n}", "actionType": "Close"}, _location),
    "api_actions.update": Route(ActionForm, lambda w: f"/api/Actions/{w['action']}",
                                lambda w, n: {"actionID": w["action"]},
                                lambda api, w, r: api.get(f"/api/Actions/{w['action']}").get_json()),
    "api_topics.create": Route(TopicForm, lambda w: "/api/Topics", lambda w, n: {"name": f"Topic {n}"}, _location),
    "api_topics.update": Route(TopicForm, lambda w: f"/api/Topics/{w['topic']}", lambda w, n: {},
                               lambda api, w, r: api.get(f"/api/Topics/{w['topic']}").get_json()),
    "api_channels.create": Route(ChannelForm, lambda w: "/api/Channels",
                                 lambda w, n: {"name": f"Channel {n}", "channelType": "Chat"}, _location),
    "api_channels.update": Route(ChannelForm, lambda w: f"/api/Channels/{w['channel']}", lambda w, n: {},
                                 lambda api, w, r: api.get(f"/api/Channels/{w['channel']}").get_json()),
    "api_end_users.create": Route(EndUserCreateForm, lambda w: "/api/EndUsers",
                                  lambda w, n: {"firstname": "Probe", "uids": [{"uidType": "Ref", "uid": f"ref-{n}"}]},
                                  _location),
    "api_end_users.update": Route(EndUserUpdateForm, lambda w: f"/api/EndUsers/{w['end_user']}",
                                  lambda w, n: {"uids": [{"endUserUIDID": w["end_user_uid"], "uidType": "Ref", "uid": f"ref-{n}"}]},
                                  lambda api, w, r: api.get(f"/api/EndUsers/{w['end_user']}").get_json()),
    # its only text values are choices (target/source): nothing to store and read back
    "api_end_user_merge.merge": Route(None, lambda w: f"/api/EndUsers/{w['end_user']}/merge",
                                      lambda w, n: {"sourceEndUserID": w["end_user"], "fieldChoices": {"city": "source"}}),
    "api_end_users.assign": Route(AssignUIDForm, lambda w: "/api/EndUserUIDs/assign",
                                  lambda w, n: {"endUserID": w["end_user"], "uidType": "Ref", "uid": f"assigned-{n}"},
                                  lambda api, w, r: r.get_json()),
    "api_team.create": Route(RepresentativeCreateForm, lambda w: "/api/Representatives",
                             lambda w, n: {"email": f"probe{n}@alpha.example.com", "role": "Agent",
                                           "timeZone": "Europe/Paris"}, _location),
    "api_team.update": Route(RepresentativeUpdateForm, lambda w: f"/api/Representatives/{w['representative']}",
                             lambda w, n: {}, lambda api, w, r: r.get_json()),
    "api_end_users.bulk": Route(BulkChangeForm, lambda w: "/api/EndUsers/bulk",
                                lambda w, n: {"ids": [w["end_user"]], "operation": "setCustomerType", "value": "Lead"}),
    "api_links.create_TopicActions": Route(TopicActionForm, lambda w: "/api/TopicActions",
                                           lambda w, n: {"specialTopic": f"special-{n}", "actionID": w["action"]}, _location),
    "api_links.bulk_TopicActions": Route(TopicActionForm, lambda w: "/api/TopicActions/bulk",
                                         lambda w, n: {"specialTopic": f"bulk-{n}", "actionID": w["action"]},
                                         lambda api, w, r: api.get(f"/api/TopicActions/{_link_id(r.get_json()[0])}").get_json(),
                                         wrap=True),
    "api_links.update_TopicActions": Route(TopicPriorityForm, lambda w: f"/api/TopicActions/{w['topic_action']}",
                                           lambda w, n: {"priority": 5}),
    "api_links.reorder_TopicActions": Route(None, lambda w: "/api/TopicActions/reorder",
                                            lambda w, n: {"ids": [w["topic_action"]]}),
    "api_links.create_HookActions": Route(HookActionForm, lambda w: "/api/HookActions",
                                          lambda w, n: {"hookName": "OnClose", "actionID": w["action"]}, _location),
    "api_links.bulk_HookActions": Route(HookActionForm, lambda w: "/api/HookActions/bulk",
                                        lambda w, n: {"hookName": "OnClose", "actionID": w["action"]},
                                        lambda api, w, r: api.get(f"/api/HookActions/{_link_id(r.get_json()[0])}").get_json(),
                                        wrap=True),
    "api_links.update_HookActions": Route(HookPriorityForm, lambda w: f"/api/HookActions/{w['hook_action']}",
                                          lambda w, n: {"priority": 5}),
    "api_links.reorder_HookActions": Route(None, lambda w: "/api/HookActions/reorder",
                                           lambda w, n: {"ids": [w["hook_action"]]}),
    "api_keys.create": Route(ApiKeyCreateForm, lambda w: "/api/ApiKeys",
                             lambda w, n: {"name": f"Key {n}", "scopes": ["endusers:read"]},
                             lambda api, w, r: next(k for k in api.get("/api/ApiKeys").get_json()
                                                    if k["apiKeyID"] == r.get_json()["apiKeyID"])),
    # read-only: nothing is stored, so nothing to read back (a text field's 200 is checked by its own tests)
    "api_pipeline.dry_run_message": Route(DryRunForm, lambda w: "/api/Pipeline/dry-run",
                                          lambda w, n: {"channelID": w["channel"], "endUserID": w["end_user"]}),
}


def _json_write_rules(app):
    """Every API write that reads a JSON body (a bodyless POST such as a revert reads none)."""
    for rule in app.url_map.iter_rules():
        meta = getattr(app.view_functions[rule.endpoint], "_openapi", {})
        if rule.rule.startswith("/api/") and not meta.get("bodyless") and not meta.get("upload"):  # an upload: multipart
            for method in sorted(rule.methods & JSON_METHODS):
                yield rule, method


def text_fields(schema: dict, prefix: str = ""):
    """Paths of every string field of a form's JSON schema, nested lists included (uids[0].uid)."""
    for name, prop in schema.get("properties", {}).items():
        types = prop.get("type", [])
        types = [types] if isinstance(types, str) else types
        if "string" in types:
            yield f"{prefix}{name}"
        elif "array" in types and prop.get("items", {}).get("type") == "object":
            yield from text_fields(prop["items"], f"{prefix}{name}[0].")


def _put(body: dict, path: str, value):
    """Set `uids[0].uid`-style paths in a body, keeping the rest of a nested row."""
    match = re.fullmatch(r"(\w+)\[0\]\.(\w+)", path)
    if match:
        rows = body.setdefault(match[1], [{}])
        rows[0] = {**rows[0], match[2]: value}
        if match[1] == "uids" and match[2] != "uid":
            rows[0].setdefault("uid", "ref-row")
    else:
        body[path] = value
    return body


def _get(dto: dict, path: str, sent: dict):
    match = re.fullmatch(r"(\w+)\[0\]\.(\w+)", path)
    if not match:
        return dto.get(path)
    rows = dto.get(match[1]) or []
    wanted = sent[match[1]][0]
    found = [r for r in rows if r.get("uid") == wanted.get("uid") or r.get(match[2]) == wanted.get(match[2])]
    return found[0].get(match[2]) if found else None


def _signs_in(app, route_name, response, world, password) -> bool:
    from app.auth.models import Representative
    from app.auth.passwords import verify_password

    ident = response.get_json()["representativeID"] if route_name == "api_team.create" else world["representative"]
    with app.app_context():
        hashed = db.session.get(Representative, ident).password_hash
        db.session.remove()
        return verify_password(hashed, password)


def _stored_secret(app, world, route_name, field):
    with app.app_context():
        if route_name.startswith("api_actions."):
            action = db.session.get(Action, world["action"]) if route_name == "api_actions.update" else \
                db.session.scalars(db.select(Action).where(Action.customer_id == world["customer"])
                                   .order_by(Action.id.desc())).first()
            value = getattr(action, SECRET_ATTRS[field])
        else:
            secret = db.session.get(Customer, world["customer"]).secret(field)
            value = secret.value if secret else None
        db.session.remove()
    return value


# ---- Fixtures -----------------------------------------------------------------------------

@pytest.fixture
def world(tenant_a, api):
    """Tenant A's admin token and one row of every kind the write routes need."""
    admin = api(tenant_a.admin)
    action = admin.post("/api/Actions", json={"name": "Base action", "actionType": "Close"}).get_json()["actionID"]
    topic = admin.post("/api/Topics", json={"name": "Base topic"}).get_json()["topicID"]
    channel = admin.post("/api/Channels", json={"name": "Base channel", "channelType": "Phone"}).get_json()["channelID"]
    end_user = admin.post("/api/EndUsers", json={"firstname": "Base", "uids": [{"uidType": "Email", "uid": "base@example.com"}]}).get_json()
    topic_action = admin.post("/api/TopicActions", json={"topicID": topic, "actionID": action}).get_json()["topicActionID"]
    hook_action = admin.post("/api/HookActions", json={"hookName": "PreSpam", "actionID": action}).get_json()["hookActionID"]
    return {"api": admin, "customer": tenant_a.id, "action": action, "topic": topic, "channel": channel,
            "end_user": end_user["endUserID"], "end_user_uid": end_user["uids"][0]["endUserUIDID"],
            "topic_action": topic_action, "hook_action": hook_action, "representative": tenant_a.agent.id}


# ---- Unicode and control characters in every text field ---------------------------------------

def test_every_json_write_route_is_listed_with_its_form(app):
    listed = set(ROUTES)
    found = {rule.endpoint for rule, _ in _json_write_rules(app)}
    assert found == listed, f"JSON write routes not in ROUTES: {sorted(found - listed)}; gone: {sorted(listed - found)}"


def test_unicode_and_control_characters_in_every_text_field(app, world):
    """Each value gets a 400 naming its field, or is stored and read back exactly; control
    characters (NUL, ESC) always get the 400, on every engine."""
    failures, numbers = [], itertools.count(1)  # n keeps names and identifiers unique across routes
    for route_name, route in ROUTES.items():
        if route.form is not None:
            failures += [f"{route_name} {problem}" for problem in _try_every_text_field(app, world, route_name, route, numbers)]
    assert not failures, "\n".join(failures)


def _try_every_text_field(app, world, route_name, route, numbers):
    api = world["api"]
    method = next(m for rule, m in _json_write_rules(app) if rule.endpoint == route_name)
    for n, (field, (label, value)) in zip(numbers, ((f, t) for f in text_fields(json_schema(route.form))
                                                    for t in TEXTS.items())):
        value = f"{value}{n}"  # unique: names and identifiers must not collide with earlier rows
        body = _put(route.body(world, n), field, value)
        response = api.open(method, route.path(world), json=[body] if route.wrap else body)
        where, status = f"{field} <- {label}", response.status_code
        if status == 400:
            problem = response.get_json() or {}
            if response.mimetype != "application/problem+json" or not any(
                    field.split("[")[0] in key for key in problem.get("errors", {})):
                yield f"{where}: 400 without an error on the field: {problem}"
        elif label in CONTROL:
            yield f"{where}: {status}, expected a 400 field error"
        elif status == 401 and route.read is None:
            continue  # login: refused credentials, nothing stored
        elif status >= 300 or route.read is None:
            yield f"{where}: {status} {response.get_data(as_text=True)[:200]}"
        else:
            if field == "password":  # stored only as a hash: it must be the password that now signs in
                stored = value if _signs_in(app, route_name, response, world, value) else "another password"
            elif field in SECRET_FIELDS or field in SECRET_ATTRS:
                stored = _stored_secret(app, world, route_name, field)
            else:
                stored = _get(route.read(api, world, response), field, body)
            if stored != value:
                yield f"{where}: stored {stored!r}, sent {value!r}"


def test_routes_without_text_fields_take_no_strings():
    for name, route in ROUTES.items():
        if route.form is None or not list(text_fields(json_schema(route.form))):
            assert name == "api_end_user_merge.merge" or (
                name.startswith("api_links.") and ("reorder" in name or "update" in name)), name


# ---- Injection strings: stored as sent, rendered escaped ------------------------------------------

def _escaped(text: str) -> str:
    return str(escape(text))


def test_injection_strings_are_stored_as_sent_and_rendered_escaped(app, world, tenant_a, dashboard):
    api = world["api"]
    end_user = api.post("/api/EndUsers", json={
        "firstname": SCRIPT, "lastname": IMG, "company": SQL, "city": SCRIPT, "otherContactDetails": IMG,
        "aiDocumentation": SCRIPT, "uids": [{"uidType": "Ref", "uid": IMG}]}).get_json()
    assert (end_user["firstname"], end_user["lastname"], end_user["company"], end_user["uids"][0]["uid"]) == (SCRIPT, IMG, SQL, IMG)
    action = api.post("/api/Actions", json={"name": SCRIPT, "description": IMG, "actionType": "Close"}).get_json()
    assert (action["name"], action["description"]) == (SCRIPT, IMG)
    topic = api.post("/api/Topics", json={"name": IMG, "description": SCRIPT}).get_json()
    channel = api.post("/api/Channels", json={"name": SCRIPT, "channelType": "Email"}).get_json()
    assert api.post("/api/TopicActions", json={"topicID": topic["topicID"], "actionID": action["actionID"]}).status_code == 201
    assert api.post("/api/HookActions", json={"hookName": "OnClose", "channelID": channel["channelID"],
                                              "actionID": action["actionID"]}).status_code == 201
    assert api.put("/api/Customers/me", json={
        "apiAuthenticationType": "Basic", "apiUsername": SCRIPT, "emailProviderType": "ImapSmtp", "imapServer": IMG,
        "smtpServer": SQL, "twilioRegion": SCRIPT, "googleCloudProjectIds": IMG,
    }).status_code == 204
    me = api.get("/api/Customers/me").get_json()
    assert (me["apiUsername"], me["imapServer"], me["smtpServer"]) == (SCRIPT, IMG, SQL)

    web = dashboard(tenant_a.admin)
    pages = {
        "/end-users/": [SCRIPT, IMG, SQL], f"/end-users/{end_user['endUserID']}": [SCRIPT, IMG, SQL],
        f"/end-users/{end_user['endUserID']}/edit": [SCRIPT, IMG, SQL],
        f"/end-users/{end_user['endUserID']}/delete": [SCRIPT],
        "/actions/": [SCRIPT, IMG], f"/actions/{action['actionID']}/edit": [SCRIPT, IMG],
        "/actions/order": [SCRIPT, IMG], "/topics/": [SCRIPT, IMG], "/channels/": [SCRIPT],
        "/settings/connector": [SCRIPT], "/settings/email": [IMG, SQL], "/settings/secrets": [SCRIPT, IMG],
    }
    for path, shown in pages.items():
        response = web.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        for text in shown:
            assert _escaped(text) in html, f"{path}: {text!r} is not shown escaped"
        assert "<script>alert" not in html and "<img src=x" not in html, f"{path} renders injected markup"
    with app.app_context():
        assert db.session.query(EndUser).filter_by(customer_id=tenant_a.id).count() == 2  # the table is still there


# ---- CSRF on every dashboard form -------------------------------------------------------------------

@pytest.fixture
def demo_admin(demo_tenant, dashboard):
    rep = Rep(0, demo_tenant, DEMO_ADMIN, "Admin", DEMO_PASSWORD)
    return demo_tenant, dashboard(rep)


def _own_ids(app, customer_id: int) -> dict:
    from app.actions.models import HookAction, TopicAction
    from app.api_keys.models import ApiKey
    from app.audit.models import AuditEvent
    from app.auth.models import Representative
    from app.channels.models import Channel
    from app.topics.models import Topic

    with app.app_context():
        def first(model, *criteria):
            return db.session.scalars(db.select(model.id).where(model.customer_id == customer_id, *criteria)
                                      .order_by(model.id)).first()

        ids = {"action_id": first(Action), "end_user_id": first(EndUser), "topic_id": first(Topic),
               "channel_id": first(Channel, Channel.channel_type == "Phone"), "link_id": first(TopicAction),
               "hook_link_id": first(HookAction), "event_id": first(AuditEvent, AuditEvent.revertible.is_(True)),
               "key_id": first(ApiKey),
               "representative_id": first(Representative, Representative.role == "Agent"),
               "job_id": 1}  # no job yet: these requests are refused before any lookup
        ids.update(source_id=first(EndUser, EndUser.id != ids["end_user_id"]), ticket_id=first(Ticket))
        ids.update(first_id=ids["end_user_id"], second_id=ids["source_id"], other_id=ids["source_id"])
        db.session.remove()
    return ids


def _dashboard_writes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static/")):
            continue
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            yield rule, method


def _fill(rule, ids: dict) -> str:
    values = {"group": "connector", "name": "apiToken", "kind": "api" if "test" in rule.rule else "topic"}
    values.update({k: v for k, v in ids.items() if k in rule.arguments})
    return rule.build(values, append_unknown=False)[1]


def test_csrf_missing_or_wrong_on_every_dashboard_write(app, demo_admin, tenant_b, dashboard):
    customer_id, web = demo_admin
    other = dashboard(tenant_b.admin)  # a valid token, but for another session
    ids = _own_ids(app, customer_id)
    rules = list(_dashboard_writes(app))
    assert len(rules) >= 20
    before = snapshot(app, customer_id)
    failures = []
    for rule, method in rules:
        path = _fill(rule, ids)
        form = {"name": "Changed", "actionType": "Close", "kind": "topic", "key": "", "actionID": str(ids["action_id"]),
                "firstname": "Changed", "uid": "csrf@example.com", "uidType": "Email", "email": DEMO_ADMIN,
                "password": DEMO_PASSWORD, "channelType": "Chat", "apiUsername": "changed"}
        attempts = {
            "missing": ({}, {}),
            "garbage": ({"csrf_token": "not-a-token"}, {"X-CSRFToken": "not-a-token"}),
            "other session": ({"csrf_token": other.csrf}, {"X-CSRFToken": other.csrf}),
        }
        for label, (fields, headers) in attempts.items():
            for htmx in (False, True):
                response = web.client.open(path, method=method, data={**form, **fields},
                                           headers={**headers, **({"HX-Request": "true"} if htmx else {})})
                if response.status_code != 400:
                    failures.append(f"{method} {path} with {label} token (htmx={htmx}): {response.status_code}")
    after = snapshot(app, customer_id)
    assert not failures, "\n".join(failures)
    assert after == before, differences(before, after)
    assert web.get("/").status_code == 200, "logout without a token must not end the session"


# ---- Control characters outside JSON bodies: query strings and dashboard forms ----------------------

def _all_rules(app, methods):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/static/"):
            for method in sorted(rule.methods & methods):
                yield rule, method


def test_control_characters_in_query_strings_and_dashboard_forms(app, demo_admin, api):
    """Search boxes and form posts reach the database too: NUL or ESC there is a 400, never a 500
    (PostgreSQL refuses NUL in text), and nothing stored changes."""
    customer_id, web = demo_admin
    bearer = api(Rep(0, customer_id, DEMO_ADMIN, "Admin", DEMO_PASSWORD))
    ids = _own_ids(app, customer_id)
    before = snapshot(app, customer_id)
    failures = []
    for label in CONTROL:
        value = TEXTS[label]
        query = "&".join(f"{name}={value}" for name in ("search", "q", "uid", "hookName"))
        for rule, method in _all_rules(app, {"GET"}):
            path = f"{_fill(rule, ids)}?{query}"
            response = (bearer if rule.rule.startswith("/api/") else web.client).get(path)
            wanted = "application/problem+json" if rule.rule.startswith("/api/") else "text/html"
            if response.status_code != 400 or response.mimetype != wanted:
                failures.append(f"GET {path!r}: {response.status_code} {response.mimetype}")
        for rule, method in _dashboard_writes(app):
            path = _fill(rule, ids)
            form = {name: value for name in ("name", "firstname", "uid", "apiUsername", "key", "email", "password")}
            response = web.client.open(path, method=method, data={**form, "csrf_token": web.csrf})
            if response.status_code != 400:
                failures.append(f"{method} {path} with {label} in the form: {response.status_code}")
    after = snapshot(app, customer_id)
    assert not failures, "\n".join(failures)
    assert after == before, differences(before, after)


# ---- Content types, oversized and deeply nested bodies on every JSON write route ------------------------

def _api_path(rule, world) -> str:
    """The rule's URL with the tenant's own ids, so that only the body can be at fault."""
    by_name = {"action_id": world["action"], "topic_id": world["topic"], "channel_id": world["channel"],
               "end_user_id": world["end_user"], "representative_id": world["representative"],
               "link_id": world["topic_action"] if "TopicActions" in rule.rule else world["hook_action"]}
    assert all(isinstance(c, IntegerConverter) for c in rule._converters.values()), rule.rule
    return rule.build({k: by_name[k] for k in rule.arguments}, append_unknown=False)[1]


WRONG_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
               "application/xml", None]


def test_wrong_content_type_oversized_and_deeply_nested_bodies(app, world):
    api = world["api"]
    limit = app.config["MAX_CONTENT_LENGTH"]
    rules = list(_json_write_rules(app))
    assert len(rules) >= 20
    before = snapshot(app, world["customer"])
    failures = []
    for rule, method in rules:
        path = _api_path(rule, world)
        body = ROUTES[rule.endpoint].body(world, 0)
        valid = json.dumps([body] if ROUTES[rule.endpoint].wrap else body)
        for content_type in WRONG_TYPES:
            headers = {"Content-Type": content_type} if content_type else {}
            response = api.open(method, path, data=valid, headers=headers)
            if response.status_code != 415 or response.mimetype != "application/problem+json":
                failures.append(f"{method} {path} as {content_type}: {response.status_code}")
        big = '{"name": "' + "a" * limit + '"}'
        response = api.open(method, path, data=big, headers={"Content-Type": "application/json"})
        if response.status_code != 413 or response.mimetype != "application/problem+json":
            failures.append(f"{method} {path} with {len(big)} bytes: {response.status_code}")
        for deep in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000):
            response = api.open(method, path, data=deep, headers={"Content-Type": "application/json"})
            if response.status_code != 400 or response.mimetype != "application/problem+json":
                failures.append(f"{method} {path} deeply nested: {response.status_code}")
    after = snapshot(app, world["customer"])
    assert not failures, "\n".join(failures)
    assert after == before, differences(before, after)
