"""/api/Representatives: the Team for Admins, with its rules (unique e-mail, a last active Admin)."""
import json

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Representative
from tests.conftest import Rep
from tests.live_http import Call, Caller, api_token, race

NEW = {"email": "Nora.New@Alpha.example.com", "name": "Nora New", "role": "Agent", "timeZone": "America/New_York"}


def _login(api, email, password):
    return api(Rep(0, 0, email, "Agent", password))


def test_admin_lists_and_reads_the_team_of_its_own_tenant(api, tenant_a, tenant_b):
    client = api(tenant_a.admin)
    page = client.get("/api/Representatives").get_json()
    assert page["totalCount"] == 2
    assert [(r["email"], r["role"], r["isActive"]) for r in page["items"]] == [
        (tenant_a.admin.email, "Admin", True), (tenant_a.agent.email, "Agent", True)]
    admin = client.get(f"/api/Representatives/{tenant_a.admin.id}").get_json()
    assert admin["lastLoginAt"].endswith("Z") and admin["timeZone"] == "Europe/Brussels"
    assert "password" not in json.dumps(page).lower()
    assert client.get(f"/api/Representatives/{tenant_b.admin.id}").status_code == 404
    assert client.put(f"/api/Representatives/{tenant_b.agent.id}", json={"role": "Admin"}).status_code == 404


def test_agents_are_refused_every_team_route(api, tenant_a):
    agent = api(tenant_a.agent)
    assert agent.get("/api/Representatives").status_code == 403
    assert agent.get(f"/api/Representatives/{tenant_a.agent.id}").status_code == 403
    assert agent.post("/api/Representatives", json=NEW).status_code == 403
    assert agent.put(f"/api/Representatives/{tenant_a.agent.id}", json={"role": "Admin"}).status_code == 403
    assert api().get("/api/Representatives").status_code == 401


def test_add_without_a_password_answers_a_one_time_password_that_signs_in(api, tenant_a, in_app):
    response = api(tenant_a.admin).post("/api/Representatives", json=NEW)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    assert (body["email"], body["role"], body["timeZone"], body["lastLoginAt"]) == (
        "nora.new@alpha.example.com", "Agent", "America/New_York", None)
    password = body["initialPassword"]
    assert len(password) >= 16
    assert api(tenant_a.admin).get(response.headers["Location"]).get_json() == {
        k: v for k, v in body.items() if k != "initialPassword"}
    newcomer = _login(api, "nora.new@alpha.example.com", password)
    assert newcomer.get("/api/EndUsers").status_code == 200
    with in_app() as session:
        rep = session.get(Representative, body["representativeID"])
        assert password not in rep.password_hash and rep.last_login_at is not None
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "Representative",
                                                         AuditEvent.entity_id == rep.id)).one()
        assert event.action == "Create" and password not in json.dumps(event.changes)
        assert event.changes["password"] == {"from": None, "to": "set"}


def test_add_with_a_password_has_no_initial_password(api, tenant_a):
    response = api(tenant_a.admin).post("/api/Representatives", json={**NEW, "role": "Admin",
                                                                       "password": "a long enough one"})
    assert response.status_code == 201 and "initialPassword" not in response.get_json()
    assert _login(api, NEW["email"], "a long enough one").get("/api/Representatives").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({**NEW, "timeZone": "Mars/Olympus_Mons"}, "timeZone"), ({**NEW, "role": "Owner"}, "role"),
    ({**NEW, "email": "not-an-address"}, "email"), ({**NEW, "password": "short"}, "password"),
    ({k: v for k, v in NEW.items() if k != "timeZone"}, "timeZone"), ({**NEW, "isAdmin": True}, "isAdmin"),
])
def test_bad_input_is_a_400_naming_the_field(api, tenant_a, body, field):
    response = api(tenant_a.admin).post("/api/Representatives", json=body)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_a_taken_email_is_a_409_on_the_field_in_any_case_and_any_tenant(api, tenant_a, tenant_b):
    client = api(tenant_a.admin)
    for email in (tenant_a.agent.email.upper(), tenant_b.agent.email):
        response = client.post("/api/Representatives", json={**NEW, "email": email})
        assert response.status_code == 409 and "email" in response.get_json()["errors"], email
    response = client.put(f"/api/Representatives/{tenant_a.agent.id}", json={"email": tenant_a.admin.email})
    assert response.status_code == 409 and "email" in response.get_json()["errors"]
    assert client.get("/api/Representatives").get_json()["totalCount"] == 2


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(api, tenant_a):
    client = api(tenant_a.admin)
    me = f"/api/Representatives/{tenant_a.admin.id}"
    for change in ({"role": "Agent"}, {"isActive": False}):
        response = client.put(me, json=change)
        assert response.status_code == 409 and "last active Admin" in response.get_json()["title"], change
    assert client.get(me).get_json()["role"] == "Admin"
    # With a second Admin, the first may step down; then the second is the last one.
    assert client.put(f"/api/Representatives/{tenant_a.agent.id}", json={"role": "Admin"}).status_code == 200
    other = api(tenant_a.agent)  # signs in again: the role change ended the old token
    assert client.get(me).status_code == 200
    assert other.put(me, json={"role": "Agent"}).status_code == 200
    assert other.put(f"/api/Representatives/{tenant_a.agent.id}", json={"isActive": False}).status_code == 409


def test_an_inactive_admin_does_not_count_and_may_be_changed(api, tenant_a):
    client = api(tenant_a.admin)
    second = client.post("/api/Representatives", json={**NEW, "role": "Admin"}).get_json()["representativeID"]
    assert client.put(f"/api/Representatives/{second}", json={"isActive": False}).status_code == 200
    assert client.put(f"/api/Representatives/{tenant_a.admin.id}", json={"role": "Agent"}).status_code == 409
    assert client.put(f"/api/Representatives/{second}", json={"role": "Agent"}).status_code == 200


def test_update_changes_fields_and_records_one_event_without_the_hash(api, tenant_a, in_app):
    client = api(tenant_a.admin)
    path = f"/api/Representatives/{tenant_a.agent.id}"
    response = client.put(path, json={"name": "Aiden", "timeZone": "Asia/Tokyo", "password": "another good one"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["timeZone"], body["role"], body["isActive"]) == ("Aiden", "Asia/Tokyo", "Agent", True)
    assert client.put(path, json={"representativeID": tenant_a.admin.id}).status_code == 400
    with in_app() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "Representative",
                                                         AuditEvent.action == "Update")).one()
        hashed = session.get(Representative, tenant_a.agent.id).password_hash
    assert event.changes == {"name": {"from": None, "to": "Aiden"},
                             "timeZone": {"from": "Europe/Brussels", "to": "Asia/Tokyo"},
                             "password": {"from": "set", "to": "changed"}}
    assert hashed not in json.dumps([event.changes, event.snapshot])
    assert _login(api, tenant_a.agent.email, "another good one").get("/api/EndUsers").status_code == 200


def test_concurrent_adds_of_one_address_give_one_201(live_server, tenant_a, in_app):
    token = api_token(live_server, tenant_a.admin)
    for round_no in range(3):
        email = f"race{round_no}@alpha.example.com"
        answers = race([Call(Caller(live_server, token), "POST", "/api/Representatives",
                             {**NEW, "email": email, "password": "racing password"}) for _ in range(8)])
        statuses = sorted(a.status for a in answers)
        assert statuses == [201] + [409] * 7, statuses
        with in_app() as session:
            assert session.scalar(select(func.count()).select_from(Representative)
                                  .where(Representative.email == email)) == 1


def test_two_admins_demoting_each_other_at_once_leave_one_admin(live_server, api, tenant_a, in_app):
    second = api(tenant_a.admin).post("/api/Representatives", json={**NEW, "role": "Admin", "password": "second admin"})
    second_id = second.get_json()["representativeID"]
    for round_no in range(3):
        tokens = [api_token(live_server, tenant_a.admin),
                  api_token(live_server, Rep(second_id, tenant_a.id, NEW["email"], "Admin", "second admin"))]
        answers = race([Call(Caller(live_server, tokens[0]), "PUT", f"/api/Representatives/{second_id}", {"role": "Agent"}),
                        Call(Caller(live_server, tokens[1]), "PUT", f"/api/Representatives/{tenant_a.admin.id}",
                             {"role": "Agent"})])
        statuses = sorted(a.status for a in answers)
        # One wins; the other is refused (409: last admin; or 401: its own token died with the first change).
        assert statuses[0] == 200 and statuses[1] in (401, 409), statuses
        with in_app() as session:
            admins = session.scalars(select(Representative).where(
                Representative.customer_id == tenant_a.id, Representative.role == "Admin",
                Representative.is_active.is_(True))).all()
            assert len(admins) == 1, [a.email for a in admins]
            demoted = next(r for r in session.scalars(select(Representative).where(
                Representative.id.in_([tenant_a.admin.id, second_id]))) if r.role == "Agent")
            demoted.role = "Admin"  # both Admins again for the next round
            session.commit()
