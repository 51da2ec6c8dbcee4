"""Revocation: signing out, deactivation, a role change and a password change end the person's
sessions and tokens on their next request; roles come from the database, never from the token."""
import time

from joserfc import jwt
from joserfc.jwk import OctKey

from app.auth.models import Representative
from tests.conftest import Rep

ADMIN_PAGE = "/settings/connector"  # what a copied cookie opened after sign-out (issue 13)


def _signed_token(app, rep, **claims) -> str:
    now = int(time.time())
    payload = {"iss": app.config["JWT_ISSUER"], "aud": app.config["JWT_AUDIENCE"], "sub": str(rep.id), "iat": now,
               "exp": now + 600, "customerID": rep.customer_id, "roles": ["Agent"], **claims}
    return jwt.encode({"alg": "HS256"}, payload, OctKey.import_key(app.config["JWT_SIGNING_KEY"]), algorithms=["HS256"])


def _bearer(token):
    return {"headers": {"Authorization": f"Bearer {token}"}}


def _lands_on_sign_in(web, path="/end-users/"):
    response = web.get(path)
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_deactivated_persons_token_is_401_and_session_lands_on_sign_in(api, dashboard, tenant_a):
    token, web = api(tenant_a.agent), dashboard(tenant_a.agent)
    assert token.get("/api/EndUsers").status_code == 200 and web.get("/end-users/").status_code == 200
    response = api(tenant_a.admin).put(f"/api/Representatives/{tenant_a.agent.id}", json={"isActive": False})
    assert response.status_code == 200
    answer = token.get("/api/EndUsers")
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert _lands_on_sign_in(web)
    # Reactivated, the old token and session stay dead; signing in again works.
    api(tenant_a.admin).put(f"/api/Representatives/{tenant_a.agent.id}", json={"isActive": True})
    assert token.get("/api/EndUsers").status_code == 401 and _lands_on_sign_in(web)
    assert api(tenant_a.agent).get("/api/EndUsers").status_code == 200


def test_a_role_change_takes_effect_on_the_next_call(api, dashboard, tenant_a):
    admin = api(tenant_a.admin)
    agent_token, agent_web = api(tenant_a.agent), dashboard(tenant_a.agent)
    assert agent_token.get("/api/Representatives").status_code == 403
    admin.put(f"/api/Representatives/{tenant_a.agent.id}", json={"role": "Admin"})
    assert agent_token.get("/api/EndUsers").status_code == 401 and _lands_on_sign_in(agent_web)
    promoted = api(tenant_a.agent)
    assert promoted.get("/api/Representatives").status_code == 200
    assert dashboard(tenant_a.agent).get("/team/").status_code == 200
    admin.put(f"/api/Representatives/{tenant_a.agent.id}", json={"role": "Agent"})
    assert promoted.get("/api/Representatives").status_code == 401
    assert api(tenant_a.agent).get("/api/Representatives").status_code == 403


def test_a_new_password_ends_the_old_token_and_session(api, dashboard, tenant_a):
    token, web = api(tenant_a.agent), dashboard(tenant_a.agent)
    api(tenant_a.admin).put(f"/api/Representatives/{tenant_a.agent.id}", json={"password": "brand new secret"})
    assert token.get("/api/EndUsers").status_code == 401 and _lands_on_sign_in(web)
    assert api(Rep(0, 0, tenant_a.agent.email, "Agent", "brand new secret")).get("/api/EndUsers").status_code == 200


def test_signing_out_ends_every_session_and_token_of_the_person(app, api, dashboard, tenant_a):
    token, here, elsewhere = api(tenant_a.admin), dashboard(tenant_a.admin), dashboard(tenant_a.admin)
    copied = app.test_client()  # a cookie copied before sign-out
    copied.set_cookie("session", here.client.get_cookie("session").value)
    assert copied.get(ADMIN_PAGE).status_code == 200
    here.get("/")
    response = here.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _lands_on_sign_in(here, ADMIN_PAGE) and _lands_on_sign_in(elsewhere, ADMIN_PAGE)
    assert copied.get(ADMIN_PAGE).status_code == 302
    assert token.get("/api/Customers/me").status_code == 401
    assert api(tenant_a.admin).get("/api/Customers/me").status_code == 200


def test_roles_come_from_the_database_not_from_the_token(app, api, tenant_a, in_app):
    with in_app() as session:
        version = session.get(Representative, tenant_a.agent.id).session_version
    forged_roles = _signed_token(app, tenant_a.agent, roles=["Admin"], sessionVersion=version)
    assert app.test_client().get("/api/Representatives", **_bearer(forged_roles)).status_code == 403
    assert app.test_client().get("/api/EndUsers", **_bearer(forged_roles)).status_code == 200
    for stale in (_signed_token(app, tenant_a.agent), _signed_token(app, tenant_a.agent, sessionVersion=version + 1),
                  _signed_token(app, tenant_a.agent, sessionVersion=str(version))):
        assert app.test_client().get("/api/EndUsers", **_bearer(stale)).status_code == 401


def test_a_session_cookie_without_a_version_is_refused(app, dashboard, tenant_a):
    web = dashboard(tenant_a.admin)
    with web.client.session_transaction() as session:
        session["_user_id"] = str(tenant_a.admin.id)  # as sessions were stored before versions
    assert _lands_on_sign_in(web)


def test_changing_ones_own_password_on_the_team_page_keeps_this_session(dashboard, tenant_a):
    here, elsewhere = dashboard(tenant_a.admin), dashboard(tenant_a.admin)
    here.get("/team/")
    response = here.post(f"/team/{tenant_a.admin.id}/password")
    assert response.status_code == 200 and "shown only this once" in response.get_data(as_text=True)
    assert here.get("/team/").status_code == 200
    assert _lands_on_sign_in(elsewhere)
