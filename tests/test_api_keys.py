"""API keys: created by an Admin and shown once, scoped by area and verb, revoked at once, the
tenant's own, never managing keys, and the actor of their writes in the audit trail."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from app.api_keys.models import ApiKey
from tests.conftest import ApiClient


def _create(admin_api, scopes, name="CRM sync", expires_at=None):
    body = {"name": name, "scopes": scopes}
    if expires_at is not None:
        body["expiresAt"] = expires_at
    response = admin_api.post("/api/ApiKeys", json=body)
    assert response.status_code == 201, response.get_json()
    return response


@pytest.fixture
def key_client(app, api, tenant_a):
    """key_client(scopes) -> (ApiClient sending a new key of tenant A, the creation answer)."""
    admin = api(tenant_a.admin)

    def make(scopes, **kw):
        created = _create(admin, scopes, **kw).get_json()
        return ApiClient(app.test_client(), created["key"]), created

    return make


def test_the_key_is_shown_once_and_stored_only_as_a_hash(api, tenant_a, in_app):
    admin = api(tenant_a.admin)
    response = _create(admin, ["endusers:read"])
    created = response.get_json()
    key = created["key"]
    assert key.startswith("sbk_") and len(key) > 40
    assert response.headers["Cache-Control"] == "no-store"
    assert created["keyPreview"] == f"{key[:8]}…{key[-4:]}"
    listed = admin.get("/api/ApiKeys").get_json()
    assert [k["name"] for k in listed] == ["CRM sync"]
    assert set(listed[0]) == {"apiKeyID", "name", "scopes", "keyPreview", "createdAt", "lastUsedAt", "expiresAt"}
    assert listed[0]["scopes"] == ["endusers:read"] and listed[0]["lastUsedAt"] is None
    assert key not in admin.get("/api/ApiKeys").get_data(as_text=True)
    with in_app() as session:
        row = session.scalars(select(ApiKey)).one()
        assert key not in {row.key_hash, row.prefix, row.scopes, row.name} and len(row.key_hash) == 64


def test_an_enduser_reader_reads_end_users_and_nothing_else(key_client, api, tenant_a):
    api(tenant_a.admin).post("/api/EndUsers", json={"lastname": "Doe", "uids": [{"uid": "jane@example.com"}]})
    client, _ = key_client(["endusers:read"])
    listed = client.get("/api/EndUsers")
    assert listed.status_code == 200 and listed.get_json()["totalCount"] == 1
    one = listed.get_json()["items"][0]["endUserID"]
    assert client.get(f"/api/EndUsers/{one}").status_code == 200
    assert client.post("/api/EndUsers", json={"lastname": "Roe", "uids": [{"uid": "r@example.com"}]}).status_code == 403
    assert client.delete(f"/api/EndUsers/{one}").status_code == 403
    assert client.get("/api/Customers/me").status_code == 403
    assert client.get("/api/Actions").status_code == 403
    assert client.get("/api/AuditEvents").status_code == 403
    assert api(tenant_a.admin).get("/api/EndUsers").get_json()["totalCount"] == 1


def test_scopes_per_area_and_verb(key_client):
    client, _ = key_client(["settings:read", "actions:write"])
    assert client.get("/api/Customers/me").status_code == 200
    assert client.put("/api/Customers/me", json={"twilioRegion": "us1"}).status_code == 403
    assert client.post("/api/Topics", json={"name": "Billing"}).status_code == 201
    assert client.get("/api/Topics").status_code == 403  # write does not imply read
    assert client.get("/api/EndUsers").status_code == 403
    assert client.get("/api/Customers/my-secrets").status_code == 403  # a phone channel's, never a key's


def test_a_key_never_manages_keys_even_with_every_scope(key_client):
    from app.api_keys.scopes import SCOPES

    client, created = key_client(list(SCOPES))
    assert client.get("/api/ApiKeys").status_code == 403
    assert client.post("/api/ApiKeys", json={"name": "Escalate", "scopes": ["settings:write"]}).status_code == 403
    assert client.delete(f"/api/ApiKeys/{created['apiKeyID']}").status_code == 403
    assert client.get("/api/EndUsers").status_code == 200


def test_managing_keys_needs_an_admin(api, tenant_a):
    agent = api(tenant_a.agent)
    assert agent.get("/api/ApiKeys").status_code == 403
    assert agent.post("/api/ApiKeys", json={"name": "x", "scopes": ["endusers:read"]}).status_code == 403
    assert api().get("/api/ApiKeys").status_code == 401


def test_a_revoked_key_is_401_at_once(key_client, api, tenant_a):
    client, created = key_client(["endusers:read"])
    assert client.get("/api/EndUsers").status_code == 200
    assert api(tenant_a.admin).delete(f"/api/ApiKeys/{created['apiKeyID']}").status_code == 204
    assert client.get("/api/EndUsers").status_code == 401
    assert api(tenant_a.admin).get("/api/ApiKeys").get_json() == []


def test_an_expired_key_is_401(key_client, in_app):
    soon = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    client, created = key_client(["endusers:read"], expires_at=soon)
    assert created["expiresAt"].endswith("Z")
    assert client.get("/api/EndUsers").status_code == 200
    with in_app() as session:
        session.execute(update(ApiKey).values(expires_at=datetime(2020, 1, 1)))
        session.commit()
    assert client.get("/api/EndUsers").status_code == 401


def test_an_unknown_or_forged_key_is_401(app, key_client):
    client, created = key_client(["endusers:read"])
    assert client.get("/api/EndUsers").status_code == 200
    forged = ApiClient(app.test_client(), created["key"][:-1] + ("A" if created["key"][-1] != "A" else "B"))
    assert forged.get("/api/EndUsers").status_code == 401
    assert ApiClient(app.test_client(), "sbk_").get("/api/EndUsers").status_code == 401


def test_another_tenants_key_id_is_404(api, tenant_a, tenant_b):
    created = _create(api(tenant_a.admin), ["endusers:read"]).get_json()
    assert api(tenant_b.admin).delete(f"/api/ApiKeys/{created['apiKeyID']}").status_code == 404
    assert api(tenant_b.admin).get("/api/ApiKeys").get_json() == []
    assert len(api(tenant_a.admin).get("/api/ApiKeys").get_json()) == 1


def test_a_key_sees_only_its_own_tenant(app, key_client, api, tenant_b):
    api(tenant_b.admin).post("/api/EndUsers", json={"lastname": "Other", "uids": [{"uid": "o@example.com"}]})
    other = api(tenant_b.admin).get("/api/EndUsers").get_json()["items"][0]["endUserID"]
    client, _ = key_client(["endusers:read"])
    assert client.get("/api/EndUsers").get_json()["totalCount"] == 0
    assert client.get(f"/api/EndUsers/{other}").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"name": "", "scopes": ["endusers:read"]}, "name"),
    ({"name": "x", "scopes": []}, "scopes"),
    ({"name": "x", "scopes": ["everything"]}, "scopes[0]"),
    ({"name": "x", "scopes": ["endusers:read"], "expiresAt": "2020-01-01T00:00:00Z"}, "expiresAt"),
    ({"name": "x", "scopes": ["endusers:read"], "expiresAt": "tomorrow"}, "expiresAt"),
])
def test_bad_bodies_are_400_naming_the_field(api, tenant_a, body, field):
    response = api(tenant_a.admin).post("/api/ApiKeys", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["errors"], response.get_json()


def test_a_keys_write_shows_the_key_as_actor(key_client, api, tenant_a):
    client, created = key_client(["endusers:write"], name="Shop import")
    assert client.post("/api/EndUsers", json={"lastname": "Doe", "uids": [{"uid": "d@example.com"}]}).status_code == 201
    events = api(tenant_a.admin).get("/api/AuditEvents?entityType=EndUser").get_json()["items"]
    assert events[0]["actor"] == {"type": "ApiKey", "id": created["apiKeyID"], "name": "Shop import"}
    key_events = api(tenant_a.admin).get("/api/AuditEvents?entityType=ApiKey").get_json()["items"]
    assert [e["action"] for e in key_events] == ["Create"]
    assert created["key"] not in str(key_events)


def test_last_used_is_stamped_at_most_once_a_minute(key_client, api, tenant_a, in_app):
    client, _ = key_client(["endusers:read"])
    assert client.get("/api/EndUsers").status_code == 200
    first = api(tenant_a.admin).get("/api/ApiKeys").get_json()[0]["lastUsedAt"]
    assert first is not None
    with in_app() as session:
        session.execute(update(ApiKey).values(last_used_at=datetime(2026, 1, 1, 12, 0, 0)))
        session.commit()
    with in_app() as session:  # within the minute after a stamp nothing is written
        session.execute(update(ApiKey).values(last_used_at=datetime.now(timezone.utc).replace(tzinfo=None)))
        session.commit()
        stamped = session.scalar(select(ApiKey.last_used_at))
    assert client.get("/api/EndUsers").status_code == 200
    with in_app() as session:
        assert session.scalar(select(ApiKey.last_used_at)) == stamped
        session.execute(update(ApiKey).values(last_used_at=datetime(2026, 1, 1, 12, 0, 0)))
        session.commit()
    assert client.get("/api/EndUsers").status_code == 200
    with in_app() as session:
        assert session.scalar(select(ApiKey.last_used_at)) > datetime(2026, 1, 1, 12, 0, 0)


def test_each_key_has_its_own_rate_limit(app, key_client, api, tenant_a):
    limited, _ = key_client(["endusers:read"], name="Busy")
    other, _ = key_client(["endusers:read"], name="Quiet")
    person = api(tenant_a.admin)
    app.config["API_KEY_RATE_LIMIT"] = "3 per minute"
    try:
        assert [limited.get("/api/EndUsers").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert other.get("/api/EndUsers").status_code == 200
        assert person.get("/api/EndUsers").status_code == 200
    finally:
        app.config["API_KEY_RATE_LIMIT"] = "100000 per minute"


def test_the_keys_page_creates_shows_once_and_revokes(dashboard, tenant_a, app):
    web = dashboard(tenant_a.admin)
    page = web.get("/settings/api-keys/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    refused = web.post("/settings/api-keys/", data={"name": "Typed name"})
    assert refused.status_code == 400 and "Choose at least one scope." in refused.get_data(as_text=True)
    assert 'value="Typed name"' in refused.get_data(as_text=True)
    created = web.post("/settings/api-keys/", data={"name": "Webshop", "scopes-0": "endusers:read", "scopes-3": "actions:read"})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and "shown only this once" in html
    plaintext = html.split('<code class="secret">')[1].split("<")[0]
    assert plaintext.startswith("sbk_")
    again = web.get("/settings/api-keys/").get_data(as_text=True)
    assert "Webshop" in again and plaintext not in again and plaintext[-4:] in again
    key_api = ApiClient(app.test_client(), plaintext)
    assert key_api.get("/api/EndUsers").status_code == 200
    with app.app_context():
        from app.extensions import db
        key_id = db.session.scalar(select(ApiKey.id))
        db.session.remove()
    web.get("/settings/api-keys/")
    assert web.post(f"/settings/api-keys/{key_id}/revoke").status_code == 302
    assert key_api.get("/api/EndUsers").status_code == 401
    assert dashboard(tenant_a.agent).get("/settings/api-keys/").status_code == 403
