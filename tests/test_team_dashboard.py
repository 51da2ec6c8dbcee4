"""The Team page: Admins list, add, change role, deactivate and give new passwords; Agents get 403."""
import re

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Representative
from tests.conftest import Rep

ADD = {"email": "nina@alpha.example.com", "name": "Nina", "role": "Agent", "timeZone": "Europe/Paris", "password": ""}


def _password_shown(html: str) -> str | None:
    found = re.search(r'<code class="secret">([^<]+)</code>', html)
    return found.group(1) if found else None


def test_agents_get_403_and_no_team_link(dashboard, tenant_a):
    agent = dashboard(tenant_a.agent)
    assert 'href="/team/"' not in agent.get("/").get_data(as_text=True)
    assert agent.get("/team/").status_code == 403
    agent.get("/")
    assert agent.post(f"/team/{tenant_a.agent.id}/role", data={"role": "Admin"}).status_code == 403
    assert agent.post(f"/team/{tenant_a.admin.id}/toggle").status_code == 403
    assert agent.post(f"/team/{tenant_a.admin.id}/password").status_code == 403


def test_the_page_lists_the_team(dashboard, tenant_a):
    web = dashboard(tenant_a.admin)
    assert 'href="/team/"' in web.get("/").get_data(as_text=True)
    response = web.get("/team/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert tenant_a.admin.email in html and tenant_a.agent.email in html and "(you)" in html
    assert 'value="Europe/Brussels"' in html  # the new person's time zone defaults to the admin's


def test_adding_without_a_password_shows_one_once_and_it_signs_in(dashboard, tenant_a):
    web = dashboard(tenant_a.admin)
    web.get("/team/")
    response = web.post("/team/", data=ADD)
    html = response.get_data(as_text=True)
    password = _password_shown(html)
    assert response.status_code == 200 and password and response.headers["Cache-Control"] == "no-store"
    assert "nina@alpha.example.com" in html
    assert password not in web.get("/team/").get_data(as_text=True)
    assert dashboard(Rep(0, tenant_a.id, ADD["email"], "Agent", password)).get("/end-users/").status_code == 200


def test_bad_input_and_a_taken_address_are_field_errors_keeping_the_typed_values(dashboard, tenant_a, tenant_b):
    web = dashboard(tenant_a.admin)
    web.get("/team/")
    response = web.post("/team/", data={**ADD, "timeZone": "Europe/Atlantis"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Not a time zone" in html and 'value="nina@alpha.example.com"' in html
    response = web.post("/team/", data={**ADD, "email": tenant_b.agent.email})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "already exists" in html and f'value="{tenant_b.agent.email}"' in html


def test_change_role_deactivate_and_the_last_admin(dashboard, tenant_a, in_app):
    web = dashboard(tenant_a.admin)
    web.get("/team/")
    response = web.post(f"/team/{tenant_a.admin.id}/role", data={"role": "Agent"}, headers={"Referer": "/team/"})
    assert response.status_code == 302
    assert "last active Admin" in web.get("/team/").get_data(as_text=True)
    assert web.post(f"/team/{tenant_a.admin.id}/toggle", headers={"Referer": "/team/"}).status_code == 302
    assert web.post(f"/team/{tenant_a.agent.id}/role", data={"role": "Admin"}).status_code == 302
    assert web.post(f"/team/{tenant_a.agent.id}/toggle").status_code == 302
    assert "Deactivated" in web.get("/team/").get_data(as_text=True)
    with in_app() as session:
        agent = session.get(Representative, tenant_a.agent.id)
        me = session.get(Representative, tenant_a.admin.id)
        assert (agent.role, agent.is_active) == ("Admin", False) and (me.role, me.is_active) == ("Admin", True)
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "Representative",
                                                          AuditEvent.action == "Update").order_by(AuditEvent.id)).all()
        assert [e.changes for e in events] == [{"role": {"from": "Agent", "to": "Admin"}},
                                               {"isActive": {"from": True, "to": False}}]


def test_a_new_password_is_shown_once_and_ends_the_persons_sessions(dashboard, tenant_a):
    web, agent = dashboard(tenant_a.admin), dashboard(tenant_a.agent)
    web.get("/team/")
    password = _password_shown(web.post(f"/team/{tenant_a.agent.id}/password").get_data(as_text=True))
    assert password
    assert agent.get("/end-users/").status_code == 302
    assert dashboard(Rep(0, tenant_a.id, tenant_a.agent.email, "Agent", password)).get("/end-users/").status_code == 200


def test_another_tenants_person_is_404(dashboard, tenant_a, tenant_b):
    web = dashboard(tenant_a.admin)
    web.get("/team/")
    for path in (f"/team/{tenant_b.admin.id}/role", f"/team/{tenant_b.admin.id}/toggle",
                 f"/team/{tenant_b.admin.id}/password"):
        assert web.post(path, data={"role": "Agent"}).status_code == 404, path
