"""Form behaviour a person relies on, in real Chromium: JSON fields checked as typed and
formatted, a warning before leaving unsaved changes, and the first error in view after a save."""
from playwright.sync_api import expect


def test_a_json_field_says_whether_it_is_valid_and_is_formatted(page, live_server, login, tenant_a):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/actions/new")
    page.get_by_label("Type").select_option("ApiCall")
    headers = page.get_by_label("Headers (JSON object)")
    headers.fill('{"X-Team": "support",')
    status = page.locator(".json-status").first
    expect(status).to_contain_text("Not valid JSON yet")
    headers.fill('["a list"]')
    expect(status).to_have_text("Must be a JSON object: { ... }.")
    headers.fill('{"X-Team":"support","X-Tier":2}')
    expect(status).to_have_text("Valid JSON.")
    page.get_by_label("Name", exact=True).click()  # leaving the field formats it
    expect(headers).to_have_value('{\n  "X-Team": "support",\n  "X-Tier": 2\n}')


def test_leaving_a_form_with_unsaved_changes_asks_first(page, live_server, login, tenant_a):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/actions/new")
    page.get_by_label("Name", exact=True).fill("Half typed")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="‹ Actions").click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    expect(page).to_have_url(f"{live_server}/actions/new")  # stayed, with what was typed
    expect(page.get_by_label("Name", exact=True)).to_have_value("Half typed")


def test_saving_asks_nothing_and_the_first_error_gets_the_focus(page, live_server, login, tenant_a):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/actions/new")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.get_by_label("Name", exact=True).fill("Call the CRM")
    page.get_by_label("Type").select_option("ApiCall")
    expect(page.get_by_label("Headers (JSON object)")).to_be_visible()
    page.get_by_role("button", name="Create action").click()  # endpoint and method are missing
    expect(page.locator("[aria-invalid=true]").first).to_be_focused()
    assert asked == []  # a save is not leaving
    expect(page.get_by_label("Name", exact=True)).to_have_value("Call the CRM")
