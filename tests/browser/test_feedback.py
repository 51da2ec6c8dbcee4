"""Feedback in real Chromium: a save after the session expired, a refusal that stays, named and red,
and the address bar after a delete."""
import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def actions(api, tenant_a):
    admin = api(tenant_a.admin)
    linked = admin.post("/api/Actions", json={"name": "Send survey", "actionType": "Close"}).get_json()["actionID"]
    topic = admin.post("/api/Topics", json={"name": "Billing"}).get_json()["topicID"]
    admin.post("/api/HookActions", json={"hookName": "OnClose", "actionID": linked})
    admin.post("/api/TopicActions", json={"topicID": topic, "actionID": linked})
    unlinked = admin.post("/api/Actions", json={"name": "Old greeting", "actionType": "Close"}).get_json()["actionID"]
    return {"linked": linked, "unlinked": unlinked}


def test_a_save_after_the_session_expired_goes_to_sign_in_and_back(page, live_server, login, tenant_a):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/settings/email")
    page.get_by_label("E-mail provider").select_option("ImapSmtp")
    expect(page.get_by_label("IMAP server")).to_be_visible()
    page.get_by_label("IMAP server").fill("imap.example.com")
    page.context.clear_cookies()  # the session expired meanwhile

    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    assert page.url.endswith("/login?next=%2Fsettings%2Femail") or page.url.endswith("/login?next=/settings/email")
    warning = page.locator("#toasts .toast-warning")
    expect(warning).to_contain_text("Your session expired")
    expect(warning).to_have_attribute("role", "alert")
    expect(page.locator(".card .card")).to_have_count(0)  # no sign-in page inside a card
    page.wait_for_timeout(4500)
    expect(warning).to_be_visible()  # a warning stays until it is closed
    warning.get_by_role("button", name="Dismiss").click()
    expect(warning).to_have_count(0)

    page.get_by_label("E-mail").fill(tenant_a.admin.email)
    page.get_by_label("Password").fill(tenant_a.admin.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/settings/email")


def test_live_search_after_the_session_expired_never_shows_sign_in_inside_the_list(page, live_server, login, tenant_a):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/end-users/")
    page.context.clear_cookies()
    page.get_by_placeholder(re.compile("Search")).fill("claes")
    page.wait_for_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Sign in to Switchboard")).to_have_count(1)
    expect(page.locator("#toasts .toast-warning")).to_contain_text("Your session expired")


def test_refusing_to_delete_a_linked_action_stays_red_and_names_the_lists(page, live_server, login, tenant_a, actions):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/actions/{actions['linked']}/edit")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete action").click()

    toast = page.locator("#toasts .toast-error")
    expect(toast).to_contain_text("“Send survey” is still used in 2 lists")
    expect(toast).not_to_contain_text("TopicAction")
    expect(toast).to_have_attribute("role", "alert")
    assert toast.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(198, 40, 40)"  # --danger
    page.wait_for_timeout(4500)
    expect(toast).to_be_visible()  # still there after the 4 s a success toast lives

    toast.get_by_role("link", name="Topic Billing, every channel").click()
    page.wait_for_url(re.compile(r"/actions/order#list-topic-"))
    panel_id = page.url.split("#")[1]
    expect(page.locator(f"#{panel_id}")).to_contain_text("Send survey")


def test_after_deleting_an_action_the_address_bar_shows_the_list(page, live_server, login, tenant_a, actions):
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/actions/{actions['unlinked']}/edit")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete action").click()
    expect(page.locator("#toasts .toast-success")).to_contain_text("Old greeting")
    page.wait_for_url(f"{live_server}/actions/")
    page.reload()
    expect(page.get_by_role("heading", name="Actions", exact=True)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Old greeting")
