"""The Team page in Chromium: an Admin adds an Agent and sees the one-time password; the Agent
signs in with it; once deactivated, the Agent's open session lands on the sign-in page."""
import re

from playwright.sync_api import expect

from tests.conftest import Rep


def test_admin_adds_an_agent_who_is_signed_out_when_deactivated(browser, page, live_server, login, tenant_a):
    login(page, tenant_a.admin)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    form = page.get_by_role("form", name="Add a representative")
    form.get_by_label("E-mail").fill("paula@alpha.example.com")
    form.get_by_label("Name").fill("Paula Agent")
    form.get_by_label("Role").select_option("Agent")
    form.get_by_label("Time zone").fill("America/Chicago")
    form.get_by_role("button", name="Add representative").click()
    shown = page.locator("#one-time-password")
    expect(shown).to_contain_text("shown only this once")
    password = shown.locator("code.secret").inner_text()
    assert len(password) >= 16
    row = page.locator("tr", has_text="paula@alpha.example.com")
    expect(row).to_contain_text("America/Chicago")
    expect(row).to_contain_text("never")

    agent_context = browser.new_context()
    agent = agent_context.new_page()
    try:
        login(agent, Rep(0, tenant_a.id, "paula@alpha.example.com", "Agent", password))
        agent.goto(f"{live_server}/end-users/")
        expect(agent.get_by_role("heading", name="End users")).to_be_visible()

        page.reload()
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("tr", has_text="paula@alpha.example.com").get_by_role("button", name="Deactivate").click()
        expect(page.locator("tr", has_text="paula@alpha.example.com")).to_contain_text("Deactivated")

        agent.get_by_role("navigation", name="Sections").get_by_role("link", name="Actions").click()
        expect(agent.get_by_role("heading", name="Sign in to Switchboard")).to_be_visible()
        assert re.search(r"/login", agent.url)
    finally:
        agent_context.close()


def test_an_agent_is_refused_the_team_page(page, live_server, login, tenant_a):
    login(page, tenant_a.agent)
    expect(page.get_by_role("navigation", name="Sections").get_by_role("link", name="Team")).to_have_count(0)
    response = page.goto(f"{live_server}/team/")
    assert response.status == 403
