"""A person signs in through the real login page and finds the home page."""
from playwright.sync_api import expect


def test_sign_in_and_see_the_tenant_at_a_glance(page, live_server, login, tenant_a):
    page.goto(f"{live_server}/end-users/")
    expect(page.get_by_role("heading", name="Sign in to Switchboard")).to_be_visible()
    page.get_by_label("E-mail").fill(tenant_a.admin.email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Invalid e-mail or password")

    login(page, tenant_a.admin)
    expect(page.get_by_role("heading", name=tenant_a.name)).to_be_visible()
    expect(page.locator(".whoami")).to_contain_text(tenant_a.admin.email)
    expect(page.locator(".stat").first).to_contain_text("end users")
    for section in ("Settings", "End users", "Actions"):
        page.get_by_role("navigation", name="Sections").get_by_role("link", name=section).click()
        expect(page.get_by_role("navigation", name="Sections").get_by_role("link", name=section)).to_have_attribute("aria-current", "page")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Switchboard")).to_be_visible()
