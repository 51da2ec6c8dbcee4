"""POST /api/Auth/login and /api/Auth/phone-login, and what a token opens."""
import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from app.auth.passwords import hash_password
from app.channels.models import Channel


def test_login_returns_a_bearer_token(api, tenant_a):
    response = api().post("/api/Auth/login", json={"email": tenant_a.admin.email, "password": tenant_a.admin.password})
    assert response.status_code == 200
    body = response.get_json()
    assert body["tokenType"] == "Bearer"
    assert body["representativeID"] == tenant_a.admin.id
    assert body["customerID"] == tenant_a.id
    assert body["roles"] == ["Admin"]
    assert body["expiresAt"].endswith("Z")
    assert body["token"].count(".") == 2


def test_login_email_is_case_insensitive(api, tenant_a):
    response = api().post("/api/Auth/login", json={"email": tenant_a.agent.email.upper(), "password": tenant_a.agent.password})
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["Agent"]


def test_wrong_password_and_unknown_email_get_the_same_401(api, tenant_a):
    wrong = api().post("/api/Auth/login", json={"email": tenant_a.admin.email, "password": "nope"})
    unknown = api().post("/api/Auth/login", json={"email": "nobody@example.com", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.mimetype == "application/problem+json"
    assert wrong.get_json()["title"] == unknown.get_json()["title"]
    assert wrong.get_json()["status"] == 401


def test_login_bad_input_is_a_problem_with_field_errors(api):
    response = api().post("/api/Auth/login", json={"email": 12345, "password": ""})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert "email" in errors


def test_login_refuses_unknown_fields_missing_fields_and_bad_email(api):
    unknown = api().post("/api/Auth/login", json={"email": "a@example.com", "password": "x", "admin": True})
    assert unknown.status_code == 400 and unknown.get_json()["errors"] == {"admin": ["Unknown field."]}
    missing = api().post("/api/Auth/login", json={"email": "a@example.com"})
    assert missing.status_code == 400 and "password" in missing.get_json()["errors"]
    syntax = api().post("/api/Auth/login", json={"email": "not-an-email", "password": "x"})
    assert syntax.status_code == 400 and "email" in syntax.get_json()["errors"]


def test_login_malformed_json_wrong_type_and_content_type(api):
    client = api()
    malformed = client.post("/api/Auth/login", data="{not json", content_type="application/json")
    assert malformed.status_code == 400 and "JSON" in malformed.get_json()["title"]
    array = client.post("/api/Auth/login", json=[1, 2])
    assert array.status_code == 400 and "object" in array.get_json()["title"]
    form = client.post("/api/Auth/login", data={"email": "a@example.com", "password": "x"})
    assert form.status_code == 415
    assert form.mimetype == "application/problem+json"


def test_inactive_representative_cannot_log_in_and_its_token_stops_working(api, tenant_a, in_app):
    from app.auth.models import Representative

    client = api(tenant_a.agent)
    assert client.get("/api/Actions/available").status_code == 200
    with in_app() as session:
        session.get(Representative, tenant_a.agent.id).is_active = False
        session.commit()
    assert client.get("/api/Actions/available").status_code == 401
    response = api().post("/api/Auth/login", json={"email": tenant_a.agent.email, "password": tenant_a.agent.password})
    assert response.status_code == 401


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(app, tenant, **override):
    now = int(time.time())
    claims = {
        "iss": app.config["JWT_ISSUER"], "aud": app.config["JWT_AUDIENCE"], "sub": str(tenant.admin.id),
        "iat": now, "exp": now + 600, "customerID": tenant.id, "roles": ["Admin"],
    }
    claims.update(override)
    return claims


def test_tampered_unsigned_expired_and_foreign_tokens_are_401(app, api, tenant_a):
    client = api()
    good = api(tenant_a.admin).token
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["Admin", "Agent"]
    tampered = f"{header}.{_b64(claims)}.{signature}"
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(app, tenant_a))}."
    key = OctKey.import_key(app.config["JWT_SIGNING_KEY"])
    other_alg = jwt.encode({"alg": "HS512"}, _claims(app, tenant_a), key, algorithms=["HS512"])
    expired = jwt.encode({"alg": "HS256"}, _claims(app, tenant_a, exp=int(time.time()) - 60, iat=int(time.time()) - 700), key, algorithms=["HS256"])
    wrong_aud = jwt.encode({"alg": "HS256"}, _claims(app, tenant_a, aud="someone-else"), key, algorithms=["HS256"])
    other_key = jwt.encode({"alg": "HS256"}, _claims(app, tenant_a), OctKey.import_key("x" * 48), algorithms=["HS256"])
    for token in (tampered, unsigned, other_alg, expired, wrong_aud, other_key, "garbage"):
        response = client.get("/api/Actions/available", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.mimetype == "application/problem+json"
    assert client.get("/api/Actions/available", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    assert client.get("/api/Actions/available").status_code == 401


def test_a_token_accepted_before_is_refused_once_it_expires(app, api, tenant_a, monkeypatch):
    """A good signature is remembered per token (app/auth/tokens._signed_claims); the expiry is not."""
    client = api()
    headers = {"Authorization": f"Bearer {api(tenant_a.admin).token}"}
    assert client.get("/api/Actions/available", headers=headers).status_code == 200
    later = time.time() + app.config["JWT_LIFETIME_SECONDS"] + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/api/Actions/available", headers=headers).status_code == 401


def _phone_channel(in_app, tenant, secret="s3cret-phone", **fields):
    with in_app() as session:
        channel = Channel(customer_id=tenant.id, name=fields.pop("name", "Phone line"), channel_type=fields.pop("channel_type", "Phone"),
                          secret_hash=hash_password(secret), **fields)
        session.add(channel)
        session.commit()
        return channel.id


def test_phone_login_issues_a_phone_token(api, tenant_a, in_app, app):
    channel_id = _phone_channel(in_app, tenant_a)
    response = api().post("/api/Auth/phone-login", json={"channelID": channel_id, "channelSecret": "s3cret-phone"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["authType"] == "phone" and body["channelID"] == channel_id and body["customerID"] == tenant_a.id
    claims = jwt.decode(body["token"], OctKey.import_key(app.config["JWT_SIGNING_KEY"]), algorithms=["HS256"]).claims
    assert claims["authType"] == "phone" and claims["channelID"] == channel_id
    assert claims["exp"] - claims["iat"] <= app.config["PHONE_JWT_LIFETIME_SECONDS"]


def test_phone_login_rejects_wrong_secret_inactive_and_non_phone_channels(api, tenant_a, in_app):
    active = _phone_channel(in_app, tenant_a)
    inactive = _phone_channel(in_app, tenant_a, name="Old line", is_active=False)
    chat = _phone_channel(in_app, tenant_a, name="Chat", channel_type="Chat")
    client = api()
    for channel_id, secret in ((active, "wrong"), (inactive, "s3cret-phone"), (chat, "s3cret-phone"), (99999, "x")):
        response = client.post("/api/Auth/phone-login", json={"channelID": channel_id, "channelSecret": secret})
        assert response.status_code == 401
    bad = client.post("/api/Auth/phone-login", json={"channelID": "one", "channelSecret": "x"})
    assert bad.status_code == 400 and "channelID" in bad.get_json()["errors"]


@pytest.mark.parametrize("channel_id", [2**31, 2**63, 10**30])
def test_phone_login_with_a_channel_id_beyond_integer_range_is_401(api, channel_id):
    """Found by fuzzing: this was a 500."""
    response = api().post("/api/Auth/phone-login", json={"channelID": channel_id, "channelSecret": "x"})
    assert response.status_code == 401


def test_phone_token_opens_only_phone_routes_and_needs_its_channel(api, tenant_a, in_app):
    channel_id = _phone_channel(in_app, tenant_a)
    token = api().post("/api/Auth/phone-login", json={"channelID": channel_id, "channelSecret": "s3cret-phone"}).get_json()["token"]
    from tests.conftest import ApiClient

    phone = ApiClient(api().client, token)
    assert phone.get("/api/Actions/available").status_code == 200
    assert phone.get("/api/Actions").status_code == 403
    with in_app() as session:
        session.get(Channel, channel_id).is_active = False
        session.commit()
    assert phone.get("/api/Actions/available").status_code == 403


def _login(client, rep, password, address):
    return client.post("/api/Auth/login", json={"email": rep.email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def login_limits(app):
    """Set login limits for one test; the testing defaults come back after it."""
    names = ("LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_RATE_LIMIT", "LOGIN_ACCOUNT_CEILING")
    saved = {name: app.config[name] for name in names}
    yield app.config.update
    app.config.update(saved)


def test_failed_logins_from_many_addresses_reach_the_accounts_ceiling_with_retry_after(api, tenant_a, login_limits):
    login_limits(LOGIN_ACCOUNT_CEILING="3 per minute")
    client = api()
    assert [_login(client, tenant_a.admin, "wrong", f"10.0.0.{i}").status_code for i in range(3)] == [401] * 3
    last = _login(client, tenant_a.admin, tenant_a.admin.password, "10.0.0.99")
    assert last.status_code == 429
    assert last.mimetype == "application/problem+json"
    assert int(last.headers["Retry-After"]) > 0
    assert _login(client, tenant_a.agent, tenant_a.agent.password, "10.0.1.1").status_code == 200


def test_a_stranger_guessing_cannot_lock_the_owner_out(api, tenant_a, login_limits):
    login_limits(LOGIN_ACCOUNT_RATE_LIMIT="3 per minute", LOGIN_ACCOUNT_CEILING="10 per minute")
    client = api()
    stranger = [_login(client, tenant_a.admin, "guess", "203.0.113.7").status_code for _ in range(5)]
    assert stranger == [401, 401, 401, 429, 429]
    assert _login(client, tenant_a.admin, tenant_a.admin.password, "198.51.100.20").status_code == 200
    assert _login(client, tenant_a.admin, tenant_a.admin.password, "203.0.113.7").status_code == 429


def test_successful_logins_do_not_count_against_the_account(api, tenant_a, login_limits):
    login_limits(LOGIN_ACCOUNT_RATE_LIMIT="2 per minute", LOGIN_ACCOUNT_CEILING="2 per minute")
    client = api()
    assert [_login(client, tenant_a.admin, tenant_a.admin.password, "198.51.100.20").status_code
            for _ in range(4)] == [200] * 4


def test_the_token_answer_is_not_stored_by_caches(api, tenant_a):
    response = api().post("/api/Auth/login", json={"email": tenant_a.admin.email, "password": tenant_a.admin.password})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert api(tenant_a.admin).get("/api/Customers/me").headers["Cache-Control"] == "no-store"
