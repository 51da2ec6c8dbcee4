"""Single sign-on through a real OpenID provider on 127.0.0.1 (tests/oidc_provider.py): the settings
page and every rule of the callback, driven by the app's test client and real HTTP to the provider."""
import threading
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import func, select, text

from app.audit.models import AuditEvent
from app.auth.models import Representative
from app.extensions import db
from app.sso.models import SsoSettings
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

DOMAIN = "sso.example.com"


@pytest.fixture
def configure(app, oidc_provider):
    """configure(tenant, **overrides): SSO on for the tenant, against the test provider."""

    def setup(tenant, create_agents=False, enabled=True, domain=DOMAIN):
        from app.actors import Actor
        from app.sso.operations import save_settings

        with app.app_context():
            save_settings(tenant.id, Actor.cli("tests"), {
                "enabled": enabled, "issuer": oidc_provider.issuer, "clientId": CLIENT_ID,
                "allowedDomain": domain, "createAgents": create_agents}, CLIENT_SECRET)
            db.session.commit()
            db.session.remove()

    return setup


def add_rep(app, tenant, email, active=True):
    from app.actors import Actor
    from app.auth.operations import create_representative

    with app.app_context():
        rep = create_representative(tenant.id, Actor.cli("tests"), email, "unused password 123", role="Agent")
        rep.is_active = active
        db.session.commit()
        rep_id = rep.id
        db.session.remove()
    return rep_id


def sign_in_via_sso(client, email="sam@sso.example.com", state=None):
    """Start on the login page's SSO link, let the provider consent, come back: the callback's answer."""
    start = client.get(f"/login/sso/start?{urlencode({'email': email})}")
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    query = parse_qs(back.query)
    if state is not None:
        query["state"] = [state]
    return client.get(f"{back.path}?{urlencode(query, doseq=True)}")


def signed_in_as(client) -> str | None:
    home = client.get("/")
    return home.get_data(as_text=True) if home.status_code == 200 else None


def test_the_authorization_request_uses_pkce_state_and_nonce(client, tenant_a, configure, oidc_provider):
    configure(tenant_a)
    start = client.get("/login/sso/start?email=Sam@SSO.example.com")
    assert start.status_code == 302
    url = urlsplit(start.headers["Location"])
    args = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}" == oidc_provider.issuer and url.path == "/authorize"
    assert args["code_challenge_method"] == ["S256"] and len(args["code_challenge"][0]) >= 43
    assert args["state"][0] and args["nonce"][0] and args["client_id"] == [CLIENT_ID]
    assert args["login_hint"] == ["sam@sso.example.com"] and "openid" in args["scope"][0].split()


def test_an_active_representative_signs_in(app, client, tenant_a, configure, oidc_provider):
    configure(tenant_a)
    add_rep(app, tenant_a, "sam@sso.example.com")
    answer = sign_in_via_sso(client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    page = signed_in_as(client)
    assert page is not None and "sam@sso.example.com" in page and tenant_a.name in page
    assert oidc_provider.tokens_issued == 1


def test_an_unknown_person_becomes_an_agent_when_allowed(app, client, tenant_a, configure, in_app):
    configure(tenant_a, create_agents=True)
    answer = sign_in_via_sso(client)
    assert answer.status_code == 302
    assert "Sam Signon" in signed_in_as(client)
    with in_app() as session:
        rep = session.scalar(select(Representative).where(Representative.email == "sam@sso.example.com"))
        assert (rep.customer_id, rep.role, rep.is_active, rep.name) == (tenant_a.id, "Agent", True, "Sam Signon")
        event = session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "Representative",
                                                        AuditEvent.entity_id == rep.id))
        assert (event.action, event.actor_type, event.actor_name) == ("Create", "System", "Single sign-on")
        assert event.customer_id == tenant_a.id and event.changes["password"] == {"from": None, "to": "set"}


def test_an_unknown_person_is_refused_when_not_allowed(client, tenant_a, configure, in_app):
    configure(tenant_a, create_agents=False)
    answer = sign_in_via_sso(client)
    assert answer.status_code == 403
    assert "ask an administrator of your account to add you" in answer.get_data(as_text=True)
    assert signed_in_as(client) is None
    with in_app() as session:
        assert session.scalar(select(func.count()).select_from(Representative).where(
            Representative.email == "sam@sso.example.com")) == 0


def test_a_deactivated_representative_is_refused(app, client, tenant_a, configure):
    configure(tenant_a, create_agents=True)
    add_rep(app, tenant_a, "sam@sso.example.com", active=False)
    answer = sign_in_via_sso(client)
    assert answer.status_code == 403 and "cannot sign in" in answer.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_a_representative_of_another_tenant_is_refused(app, client, tenant_a, tenant_b, configure):
    configure(tenant_a, create_agents=True)
    add_rep(app, tenant_b, "sam@sso.example.com")
    answer = sign_in_via_sso(client)
    assert answer.status_code == 403
    assert signed_in_as(client) is None


@pytest.mark.parametrize("lie, message", [
    ("audience", "could not be verified"),
    ("forge", "could not be verified"),
    ("nonce", "could not be verified"),
])
def test_an_id_token_that_does_not_verify_is_refused(app, client, tenant_a, configure, oidc_provider, lie, message):
    configure(tenant_a, create_agents=True)
    add_rep(app, tenant_a, "sam@sso.example.com")
    if lie == "audience":
        oidc_provider.audience = "some-other-client"
    elif lie == "forge":
        oidc_provider.forge = True  # same kid, a key the provider never published
    else:
        oidc_provider.nonce = "a-nonce-of-its-own"
    answer = sign_in_via_sso(client)
    assert answer.status_code == 401 and message in answer.get_data(as_text=True)
    assert oidc_provider.tokens_issued == 1  # it was the token that was refused, not the exchange
    assert signed_in_as(client) is None


def test_a_wrong_state_is_refused_before_any_token_is_asked_for(app, client, tenant_a, configure, oidc_provider):
    configure(tenant_a)
    add_rep(app, tenant_a, "sam@sso.example.com")
    answer = sign_in_via_sso(client, state="not-the-state-we-sent")
    assert answer.status_code == 401 and "did not complete" in answer.get_data(as_text=True)
    assert oidc_provider.tokens_issued == 0
    assert signed_in_as(client) is None


def test_a_callback_without_a_started_sign_in_is_refused(client, tenant_a, configure):
    configure(tenant_a)
    answer = client.get("/login/sso/callback?code=abc&state=def")
    assert answer.status_code == 400 and "start again" in answer.get_data(as_text=True)


@pytest.mark.parametrize("email, verified", [("sam@elsewhere.example.com", True), ("sam@sso.example.com", False)])
def test_the_email_must_be_verified_and_in_the_domain(app, client, tenant_a, configure, oidc_provider, email, verified):
    from tests.oidc_provider import Person

    configure(tenant_a, create_agents=True)
    oidc_provider.person = Person(email, email_verified=verified)
    answer = sign_in_via_sso(client)
    assert answer.status_code in (401, 403)
    text_ = answer.get_data(as_text=True)
    assert ("sso.example.com only" in text_) if verified else ("did not confirm your e-mail" in text_)
    assert signed_in_as(client) is None


def test_the_login_page_offers_sso_only_for_the_domain(client, tenant_a, configure):
    configure(tenant_a)
    offered = client.get("/login/sso/offer?email=anyone@sso.example.com").get_data(as_text=True)
    assert "Sign in with SSO" in offered and "/login/sso/start?email=anyone@sso.example.com" in offered
    assert "Sign in with SSO" not in client.get("/login/sso/offer?email=anyone@other.example.com").get_data(as_text=True)
    assert "Sign in with SSO" not in client.get("/login/sso/offer?email=not-an-address").get_data(as_text=True)
    refused = client.get("/login/sso/start?email=anyone@other.example.com")
    assert refused.status_code == 400 and "not set up" in refused.get_data(as_text=True)
    login = client.get("/login").get_data(as_text=True)
    assert 'id="sso-offer"' in login and "Sign in with SSO" not in login


def test_disabled_sso_is_not_offered(client, tenant_a, configure):
    configure(tenant_a, enabled=False)
    assert "Sign in with SSO" not in client.get("/login/sso/offer?email=a@sso.example.com").get_data(as_text=True)
    assert client.get("/login/sso/start?email=a@sso.example.com").status_code == 400


def test_an_unreachable_provider_is_a_clear_refusal(app, client, tenant_a, monkeypatch):
    from app.actors import Actor
    from app.sso.operations import save_settings

    monkeypatch.setitem(app.config, "SSO_ALLOWED_HOSTS", ["127.0.0.1:9"])  # nothing listens there
    with app.app_context():
        save_settings(tenant_a.id, Actor.cli("tests"), {"enabled": True, "issuer": "http://127.0.0.1:9",
                      "clientId": "x", "allowedDomain": DOMAIN, "createAgents": False})
        db.session.commit()
    answer = client.get("/login/sso/start?email=sam@sso.example.com")
    assert answer.status_code == 502 and "cannot be reached" in answer.get_data(as_text=True)


# --- the settings page ----------------------------------------------------------------------------

def _settings_form(**values):
    return {"enabled": "y", "issuer": "https://login.example.com/realms/alpha", "clientId": "switchboard",
            "clientSecret": "", "allowedDomain": "Alpha.Example.com", "createAgents": "", **values}


def test_the_settings_page_saves_and_never_echoes_the_secret(app, dashboard, tenant_a, in_app):
    web = dashboard(tenant_a.admin)
    assert web.get("/settings/sso").status_code == 200
    saved = web.post("/settings/sso", data=_settings_form(clientSecret="sso-plaintext-0001"))
    assert saved.status_code == 302
    page = web.get("/settings/sso").get_data(as_text=True)
    assert "sso-plaintext-0001" not in page and "Set" in page and 'value="alpha.example.com"' in page
    web.post("/settings/sso", data=_settings_form())  # blank keeps the secret
    web.post("/settings/sso", data=_settings_form(clientSecret="sso-plaintext-0002"))
    web.post("/settings/sso/secret/clear")
    with in_app() as session:
        stored = session.scalar(text("SELECT client_secret FROM sso_settings WHERE customer_id = :c"), {"c": tenant_a.id})
        assert stored is None
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "SsoSettings",
                                                          AuditEvent.customer_id == tenant_a.id)
                                 .order_by(AuditEvent.id)).all()
        secrets = [e.changes.get("clientSecret") for e in events]
        assert secrets == [{"from": None, "to": "set"}, {"from": "set", "to": "changed"},
                           {"from": "set", "to": "cleared"}]
        assert events[0].changes["allowedDomain"] == {"from": None, "to": "alpha.example.com"}
        assert all("sso-plaintext" not in str(e.changes) + str(e.snapshot) for e in events)
        settings_id = events[0].entity_id
    history = web.get(f"/activity/history?entityType=SsoSettings&entityId={settings_id}", headers={"HX-Request": "true"})
    assert history.status_code == 200 and "cleared" in history.get_data(as_text=True)
    activity = web.get("/activity/?entityType=SsoSettings").get_data(as_text=True)
    assert "Single sign-on" in activity and "sso-plaintext" not in activity


def test_the_secret_is_encrypted_at_rest(app, dashboard, tenant_a, in_app):
    web = dashboard(tenant_a.admin)
    web.get("/settings/sso")
    web.post("/settings/sso", data=_settings_form(clientSecret="sso-plaintext-0003"))
    with in_app() as session:
        raw = session.scalar(text("SELECT client_secret FROM sso_settings WHERE customer_id = :c"), {"c": tenant_a.id})
        assert raw and "sso-plaintext-0003" not in raw
        assert session.scalar(select(SsoSettings.client_secret)) == "sso-plaintext-0003"


@pytest.mark.parametrize("values, field_, message", [
    ({"issuer": "http://login.example.com"}, "issuer", "must use https://"),
    ({"issuer": "https://login.example.com/?x=1"}, "issuer", "no query"),
    ({"issuer": "not a url"}, "issuer", "absolute https:// URL"),
    ({"issuer": ""}, "issuer", "Required to offer single sign-on"),
    ({"allowedDomain": "not a domain"}, "allowedDomain", "such as example.com"),
    ({"clientId": ""}, "clientId", "Required to offer single sign-on"),
])
def test_bad_settings_are_field_errors_with_the_typed_values_kept(dashboard, tenant_a, values, field_, message, in_app):
    web = dashboard(tenant_a.admin)
    web.get("/settings/sso")
    answer = web.post("/settings/sso", data=_settings_form(**values))
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400 and message in body
    assert f'has-error" id="field-{field_}"' in body
    for value in values.values():
        if value:
            assert f'value="{value}"'.replace("&", "&amp;") in body
    with in_app() as session:
        assert session.scalar(select(func.count()).select_from(SsoSettings)) == 0


def test_a_domain_belongs_to_one_tenant(dashboard, tenant_a, tenant_b):
    first, second = dashboard(tenant_a.admin), dashboard(tenant_b.admin)
    first.get("/settings/sso")
    assert first.post("/settings/sso", data=_settings_form()).status_code == 302
    second.get("/settings/sso")
    answer = second.post("/settings/sso", data=_settings_form(allowedDomain="alpha.example.com"))
    assert answer.status_code == 400 and "another Switchboard account" in answer.get_data(as_text=True)


def test_agents_cannot_see_or_change_sso_settings(dashboard, tenant_a):
    web = dashboard(tenant_a.agent)
    assert web.get("/settings/sso").status_code == 403
    assert web.post("/settings/sso", data=_settings_form()).status_code == 403
    assert web.post("/settings/sso/secret/clear").status_code == 403


def test_a_discovery_document_naming_another_issuer_is_refused(app, client, tenant_a, oidc_provider):
    from app.actors import Actor
    from app.sso.operations import save_settings

    with app.app_context():  # same discovery URL, but the provider says its issuer is without the slash
        save_settings(tenant_a.id, Actor.cli("tests"), {"enabled": True, "issuer": oidc_provider.issuer + "/",
                      "clientId": CLIENT_ID, "allowedDomain": DOMAIN, "createAgents": True}, CLIENT_SECRET)
        db.session.commit()
    answer = client.get("/login/sso/start?email=sam@sso.example.com")
    assert answer.status_code == 502 and "names another issuer" in answer.get_data(as_text=True)


# --- throttling -----------------------------------------------------------------------------------

def test_sso_start_and_callback_are_limited_per_address_like_the_password_login(app, client, tenant_a, configure,
                                                                                monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    configure(tenant_a)
    start = "/login/sso/start?email=sam@sso.example.com"
    assert [client.get(start).status_code for _ in range(3)] == [302] * 3
    over = client.get(start)
    assert over.status_code == 429 and "Too many attempts" in over.get_data(as_text=True)
    assert int(over.headers["Retry-After"]) > 0
    assert client.get(start, environ_base={"REMOTE_ADDR": "198.51.100.20"}).status_code == 302  # another address

    callback, stranger = "/login/sso/callback?code=abc&state=def", app.test_client()  # no sign-in pending
    assert [stranger.get(callback).status_code for _ in range(3)] == [400] * 3  # its own count, beside the start's
    assert stranger.get(callback).status_code == 429


# --- the outbound guard: no calls to internal addresses --------------------------------------------

@pytest.mark.parametrize("issuer", ["https://127.0.0.1/realms/a", "https://169.254.169.254/latest",
                                    "https://10.1.2.3:8443/", "https://2130706433/", "https://[::ffff:127.0.0.1]/"])
def test_an_issuer_at_an_internal_address_is_a_field_error(dashboard, tenant_a, in_app, issuer):
    web = dashboard(tenant_a.admin)
    web.get("/settings/sso")
    answer = web.post("/settings/sso", data=_settings_form(issuer=issuer))
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'has-error" id="field-issuer"' in body
    assert "loopback, private, link-local or reserved address: Single sign-on only reaches public servers" in body
    assert f'value="{issuer}"' in body
    with in_app() as session:
        assert session.scalar(select(func.count()).select_from(SsoSettings)) == 0


def test_the_allowance_lets_an_internal_issuer_be_saved(app, dashboard, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "SSO_ALLOWED_HOSTS", ["10.1.2.3:8443"])
    web = dashboard(tenant_a.admin)
    web.get("/settings/sso")
    assert web.post("/settings/sso", data=_settings_form(issuer="https://10.1.2.3:8443/")).status_code == 302
    refused = web.post("/settings/sso", data=_settings_form(issuer="https://10.1.2.3:9443/"))  # that port only
    assert refused.status_code == 400 and "only reaches public servers" in refused.get_data(as_text=True)


def test_a_stored_issuer_at_an_internal_address_is_never_called(app, client, tenant_a, configure, oidc_provider,
                                                               monkeypatch):
    """Saved while allowed (or before the guard existed): sign-in refuses it before any request leaves."""
    configure(tenant_a)
    monkeypatch.setitem(app.config, "SSO_ALLOWED_HOSTS", [])
    answer = client.get("/login/sso/start?email=sam@sso.example.com")
    assert answer.status_code == 502 and "does not connect to" in answer.get_data(as_text=True)
    assert oidc_provider.calls == []


@pytest.fixture
def second_address(oidc_provider):
    """The same provider also served on another port, one that SSO_ALLOWED_HOSTS does not name."""
    from werkzeug.serving import make_server

    from tests.oidc_provider import provider_app

    server = make_server("127.0.0.1", 0, provider_app(oidc_provider), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("endpoint", ["jwks_uri", "token_endpoint"])
def test_keys_and_tokens_named_at_an_internal_address_are_not_fetched(app, client, tenant_a, configure, oidc_provider,
                                                                      second_address, endpoint):
    """The discovery document names the other URLs: each call is guarded, not only the issuer's."""
    configure(tenant_a)
    add_rep(app, tenant_a, "sam@sso.example.com")
    oidc_provider.elsewhere[endpoint] = f"http://{second_address}"
    answer = sign_in_via_sso(client)
    assert answer.status_code == 401 and "does not connect to" in answer.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert not [call for call in oidc_provider.calls if call.startswith(second_address)]


def test_a_redirect_to_an_internal_address_is_not_followed(app, client, tenant_a, configure, oidc_provider,
                                                           second_address):
    configure(tenant_a)
    oidc_provider.elsewhere["discovery"] = f"http://{second_address}"
    answer = client.get("/login/sso/start?email=sam@sso.example.com")
    assert answer.status_code == 502 and "does not connect to" in answer.get_data(as_text=True)
    assert oidc_provider.calls == [f"{oidc_provider.issuer.removeprefix('http://')}/.well-known/openid-configuration"]


def test_the_offer_never_sets_the_session_cookie(app, client, tenant_a, configure):
    """The offer is asked for as the e-mail is typed, with the anonymous session of the login page; under
    load its answer can come back after the password sign-in, and a cookie on it would end that sign-in."""
    configure(tenant_a)
    client.get("/login")
    anonymous = client.get_cookie("session")
    typed_before_signing_in = app.test_client()
    typed_before_signing_in.set_cookie(anonymous.key, anonymous.value)
    for email in ("anyone@sso.example.com", "agent@alpha-support.example.com"):
        answer = typed_before_signing_in.get(f"/login/sso/offer?email={email}")
        assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
