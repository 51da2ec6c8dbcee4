"""Feedback on the dashboard: an expired session during an htmx request, refusals in people's words,
and the address bar after a boosted delete."""
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest


def next_of(url: str) -> str:
    parts = urlsplit(url)
    assert parts.path == "/login", url
    return parse_qs(parts.query)["next"][0]


@pytest.fixture
def linked_action(api, tenant_a):
    admin = api(tenant_a.admin)
    action = admin.post("/api/Actions", json={"name": "Send survey", "actionType": "Close"}).get_json()["actionID"]
    topic = admin.post("/api/Topics", json={"name": "Billing"}).get_json()["topicID"]
    admin.post("/api/HookActions", json={"hookName": "OnClose", "actionID": action})
    admin.post("/api/TopicActions", json={"topicID": topic, "actionID": action})
    return action


def test_an_htmx_save_without_a_session_sends_the_browser_to_sign_in_and_back(client, tenant_a):
    # No session cookie at all (it expired): not even a CSRF token. Sign in, not "form expired".
    page = "/settings/email?tab=1"
    response = client.post("/settings/email", headers={
        "HX-Request": "true", "HX-Current-URL": f"http://localhost{page}"})
    assert response.status_code == 401
    assert response.data == b""  # nothing to swap into the card
    target = response.headers["HX-Redirect"]
    assert next_of(target) == page
    sign_in = client.get(target).get_data(as_text=True)
    assert "Your session expired" in sign_in
    assert re.search(r'class="toast toast-warning" role="alert"', sign_in)


def test_live_search_without_a_session_names_the_page_not_the_partial(client):
    response = client.get("/end-users/?search=claes", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/end-users/?customerType=Partner"})
    assert next_of(response.headers["HX-Redirect"]) == "/end-users/?customerType=Partner"
    assert "HX-Push-Url" not in response.headers and "Location" not in response.headers


def test_a_foreign_current_url_is_not_followed(client):
    response = client.get("/end-users/", headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"})
    assert next_of(response.headers["HX-Redirect"]) == "/"


def test_a_plain_request_without_a_session_is_redirected_as_before(client):
    response = client.get("/end-users/?search=x")
    assert response.status_code == 302
    assert next_of(response.headers["Location"]) == "/end-users/?search=x"


def test_refusing_to_delete_a_linked_action_names_the_lists_with_links(dashboard, tenant_a, linked_action):
    web = dashboard(tenant_a.admin)
    web.get(f"/actions/{linked_action}/edit")
    refused = web.post(f"/actions/{linked_action}/delete", headers={"Referer": f"/actions/{linked_action}/edit"})
    assert refused.status_code == 302 and refused.headers["Location"] == f"/actions/{linked_action}/edit"
    page = web.get(f"/actions/{linked_action}/edit").get_data(as_text=True)
    toast = page[page.index('class="toast toast-error"'):]
    toast = toast[:toast.index("</div>")]
    text = html.unescape(re.sub(r"<[^>]+>", " ", toast))
    assert "“Send survey” is still used in 2 lists" in text
    assert "TopicAction" not in text and "HookAction" not in text and "isActive" not in text
    assert 'role="alert"' in toast and 'class="toast-close"' in toast
    links = {html.unescape(label): href for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', toast)}
    assert set(links) == {"Topic Billing, every channel", "Hook OnClose, every channel"}
    assert links["Hook OnClose, every channel"] == "/actions/order#list-hook-hOnClose-c"
    assert links["Topic Billing, every channel"].startswith("/actions/order#list-topic-t")
    anchor = links["Topic Billing, every channel"].split("#")[1]
    assert f'id="{anchor}"' in web.get("/actions/order").get_data(as_text=True)


def test_a_boosted_delete_lands_on_a_page_that_names_itself(dashboard, tenant_a, api):
    action = api(tenant_a.admin).post("/api/Actions", json={"name": "Old", "actionType": "Close"}).get_json()["actionID"]
    web = dashboard(tenant_a.admin)
    web.get(f"/actions/{action}/edit")
    boosted = {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": f"http://localhost/actions/{action}/edit"}
    deleted = web.post(f"/actions/{action}/delete", headers=dict(boosted))
    assert deleted.status_code == 302 and deleted.headers["Location"] == "/actions/"
    landing = web.client.get("/actions/", headers=boosted)  # what htmx's request gets after the redirect
    assert landing.headers["HX-Push-Url"] == "/actions/"
    same_page = web.client.get("/actions/", headers={**boosted, "HX-Current-URL": "http://localhost/actions/"})
    assert "HX-Push-Url" not in same_page.headers
