"""The API keys page in Chromium: create a key (shown once), use it, revoke it."""
import requests
from playwright.sync_api import expect


def test_create_see_once_use_and_revoke_a_key(page, login, live_server, tenant_a):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/settings/connector")
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys")).to_be_visible()
    expect(page.get_by_text("No API keys yet.")).to_be_visible()

    page.get_by_label("Name").fill("Webshop sync")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("Choose at least one scope.")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Webshop sync")

    page.get_by_role("checkbox", name="endusers:read").check()
    page.get_by_role("button", name="Create key").click()
    banner = page.locator("#new-key")
    expect(banner).to_contain_text("shown only this once")
    key = banner.locator("code.secret").inner_text()
    assert key.startswith("sbk_")
    row = page.locator("#api-keys tbody tr", has_text="Webshop sync")
    expect(row).to_contain_text(key[-4:])
    expect(row).to_contain_text("endusers:read")

    answer = requests.get(f"{live_server}/api/EndUsers", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert answer.status_code == 200
    assert requests.get(f"{live_server}/api/Customers/me", headers={"Authorization": f"Bearer {key}"},
                        timeout=10).status_code == 403

    page.goto(f"{live_server}/settings/api-keys/")  # a later visit: the key is not shown again
    expect(page.locator("#new-key")).to_have_count(0)
    assert key not in page.content()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#api-keys tbody tr", has_text="Webshop sync").get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    expect(page.get_by_text("No API keys yet.")).to_be_visible()
    assert requests.get(f"{live_server}/api/EndUsers", headers={"Authorization": f"Bearer {key}"},
                        timeout=10).status_code == 401
