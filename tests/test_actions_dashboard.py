"""Dashboard: actions list, form with per-type groups, ordering screen, topics and channels pages."""
import html
import json
import re

import pytest

from app.actions.models import Action, HookAction
from app.extensions import db


@pytest.fixture
def setup(api, tenant_a):
    admin = api(tenant_a.admin)
    ids = [admin.post("/api/Actions", json={"name": f"Step {i}", "actionType": "Close"}).get_json()["actionID"] for i in range(3)]
    wait = admin.post("/api/Actions", json={"name": "Pause", "actionType": "Wait", "waitSeconds": 20}).get_json()["actionID"]
    links = [admin.post("/api/HookActions", json={"hookName": "OnClose", "actionID": a}).get_json()["hookActionID"] for a in ids]
    return {"api": admin, "actions": ids, "wait": wait, "links": links}


def test_list_filters_and_toggle(dashboard, tenant_a, setup, in_app):
    web = dashboard(tenant_a.admin)
    page = web.get("/actions/").get_data(as_text=True)
    assert "Step 0" in page and "Pause" in page
    rows = web.get("/actions/?type=Wait", headers={"HX-Request": "true", "HX-Target": "action-rows"}).get_data(as_text=True)
    assert "Pause" in rows and "Step 0" not in rows and "<html" not in rows
    assert "Pause" not in web.get("/actions/?q=step").get_data(as_text=True)

    response = web.request("POST", f"/actions/{setup['wait']}/toggle")
    assert response.status_code == 200 and "Inactive" in response.get_data(as_text=True)
    assert "toast" in response.headers["HX-Trigger"]
    with in_app():
        assert db.session.get(Action, setup["wait"]).is_active is False
    assert "Pause" in web.get("/actions/?active=inactive").get_data(as_text=True)


def test_agents_see_the_list_read_only(dashboard, tenant_a, setup):
    web = dashboard(tenant_a.agent)
    page = web.get("/actions/").get_data(as_text=True)
    assert "Step 0" in page and "New action" not in page and "hx-post" not in page
    assert web.get("/actions/new").status_code == 403
    assert web.get("/actions/order").status_code == 403


def test_form_shows_groups_per_type_and_errors_at_the_field(dashboard, tenant_a, in_app):
    web = dashboard(tenant_a.admin)
    page = web.get("/actions/new").get_data(as_text=True)
    assert "Runtime controls" in page and "Outbound API call" not in page
    swapped = web.post("/actions/form-groups", data={"actionType": "ApiCall", "name": "x"}, htmx=True).get_data(as_text=True)
    assert "Outbound API call" in swapped and "Outbound authentication override" in swapped
    assert 'class="mono"' in swapped
    wait = web.post("/actions/form-groups", data={"actionType": "Wait"}, htmx=True).get_data(as_text=True)
    assert "waitSeconds" in wait and "apiEndpoint" not in wait

    bad = web.post("/actions/new", data={"name": "CRM", "actionType": "ApiCall", "apiEndpoint": "/x",
                                         "apiMethod": "GET", "apiHeaders": "{oops"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert 'id="field-apiHeaders"' in html and "Not valid JSON" in html

    ok = web.post("/actions/new", data={"name": "CRM", "actionType": "ApiCall", "apiEndpoint": "/x",
                                        "apiMethod": "GET", "apiHeaders": '{"a": "b"}', "isActive": "y",
                                        "overrideApiToken": "tok"})
    assert ok.status_code == 302
    with in_app():
        action = db.session.scalars(db.select(Action).where(Action.name == "CRM")).one()
        assert action.override_api_token == "tok" and action.action_schedule_time_zone_id == "Europe/Brussels"
        ident = action.id
    edit = web.get(f"/actions/{ident}/edit").get_data(as_text=True)
    assert "tok" not in edit.replace("token", "")
    web.post(f"/actions/{ident}/edit", data={"name": "CRM 2", "actionType": "ApiCall", "apiEndpoint": "/x", "apiMethod": "GET"})
    with in_app():
        action = db.session.get(Action, ident)
        assert (action.name, action.override_api_token, action.is_active) == ("CRM 2", "tok", False)


def test_ordering_screen_reorder_move_stale_add_remove(dashboard, tenant_a, setup, in_app):
    web = dashboard(tenant_a.admin)
    page = web.get("/actions/order").get_data(as_text=True)
    assert "OnClose · every channel" in page and "Total wait" in page
    key = "h:OnClose|c:"
    links = setup["links"]

    new = [links[2], links[0], links[1]]
    response = web.post("/actions/order/reorder", data={"kind": "hook", "key": key, "item": new}, htmx=True)
    assert response.status_code == 200
    # the announcement names the row dragged and its new place
    assert re.fullmatch(r"Order saved: .+ is now 1 of 3\.", json.loads(response.headers["HX-Trigger"])["toast"]["message"])
    with in_app():
        stored = db.session.scalars(db.select(HookAction.id).where(HookAction.hook_name == "OnClose").order_by(HookAction.priority)).all()
    assert stored == new

    moved = web.post("/actions/order/reorder", data={"kind": "hook", "key": key, "item": new, "move": f"{links[1]}:up"}, htmx=True)
    assert moved.status_code == 200 and "autofocus" in moved.get_data(as_text=True)
    with in_app():
        stored = db.session.scalars(db.select(HookAction.id).where(HookAction.hook_name == "OnClose").order_by(HookAction.priority)).all()
    assert stored == [links[2], links[1], links[0]]

    added = web.post("/actions/order/links", data={"kind": "hook", "key": key, "actionID": setup["wait"]}, htmx=True)
    assert "Pause added at the end" in added.headers["HX-Trigger"]
    assert "Total wait: <strong>20 s</strong>" in added.get_data(as_text=True)

    stale = web.post("/actions/order/reorder", data={"kind": "hook", "key": key, "item": new}, htmx=True)
    assert stale.status_code == 200
    assert "Someone else changed this list meanwhile" in stale.get_data(as_text=True)
    assert json.loads(stale.headers["HX-Trigger"])["toast"]["level"] == "error"
    with in_app():
        stored = db.session.scalars(db.select(HookAction.id).where(HookAction.hook_name == "OnClose").order_by(HookAction.priority)).all()
    assert stored[:3] == [links[2], links[1], links[0]]

    removed = web.post(f"/actions/order/links/hook/{links[0]}/delete", data={"key": key}, htmx=True)
    assert "removed" in removed.headers["HX-Trigger"]
    assert web.post(f"/actions/order/links/hook/{links[0]}/delete", data={"key": key}, htmx=True).status_code == 200


def test_open_an_empty_topic_list_and_add(dashboard, tenant_a, setup):
    web = dashboard(tenant_a.admin)
    web.post("/topics/", data={"name": "Billing", "isActive": "y"})
    page = web.get("/topics/").get_data(as_text=True)
    assert "Billing" in page
    api = setup["api"]
    topic = api.get("/api/Topics").get_json()["items"][0]["topicID"]
    listed = web.get(f"/actions/order?kind=topic&topic={topic}").get_data(as_text=True)
    assert "Billing · every channel" in listed and "This list is empty" in listed
    key = f"t:{topic}|st:|c:|sc:"
    added = web.post("/actions/order/links", data={"kind": "topic", "key": key, "actionID": setup["actions"][0]}, htmx=True)
    assert "Step 0 added at the end" in added.headers["HX-Trigger"]


def test_other_tenants_ids_are_404_on_the_dashboard(dashboard, tenant_b, setup):
    web = dashboard(tenant_b.admin)
    assert web.get(f"/actions/{setup['actions'][0]}/edit").status_code == 404
    assert web.request("POST", f"/actions/{setup['actions'][0]}/toggle").status_code == 404
    response = web.post("/actions/order/reorder", data={"kind": "hook", "key": "h:OnClose|c:", "item": setup["links"]}, htmx=True)
    assert "changed this list meanwhile" in response.get_data(as_text=True)  # tenant_b's own (empty) list
    assert web.post(f"/actions/order/links/hook/{setup['links'][0]}/delete", data={"key": "h:OnClose|c:"}, htmx=True).status_code == 200
    assert setup["api"].get(f"/api/HookActions/{setup['links'][0]}").status_code == 200


def test_channels_page_rotates_a_phone_secret_once(dashboard, tenant_a, client):
    web = dashboard(tenant_a.admin)
    web.post("/channels/", data={"name": "Line", "channelType": "Phone", "isActive": "y"})
    page = web.get("/channels/").get_data(as_text=True)
    assert "Create secret" in page
    import re

    channel_id = int(re.search(r'/channels/(\d+)/rotate-secret', page).group(1))
    shown = web.post(f"/channels/{channel_id}/rotate-secret").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([^<]+)</code>', shown).group(1)
    assert secret not in web.get("/channels/").get_data(as_text=True)
    login = client.post("/api/Auth/phone-login", json={"channelID": channel_id, "channelSecret": secret})
    assert login.status_code == 200


@pytest.mark.parametrize("path, data", [
    ("/topics/", {"name": "Billing", "description": "Invoices", "isActive": "y"}),
    ("/channels/", {"name": "Support mail", "channelType": "Email", "isActive": "y"}),
])
def test_resource_page_creates_and_shows_a_name_clash_at_the_field(dashboard, tenant_a, path, data):
    web = dashboard(tenant_a.admin)
    created = web.post(path, data=data)
    assert created.status_code == 302
    assert f"{data['name']} created." in web.get(path).get_data(as_text=True)
    clash = web.post(path, data=data)
    html = clash.get_data(as_text=True)
    assert clash.status_code == 400
    assert "already exists" in html and 'value="' + data["name"] + '"' in html


def test_reordering_one_list_in_two_tabs_never_loses_the_first_change(dashboard, tenant_a, setup, in_app):
    web = dashboard(tenant_a.admin)
    key, links = "h:OnClose|c:", setup["links"]
    shown = web.get(f"/actions/order/panel?kind=hook&key={key}").get_data(as_text=True)
    version = html.unescape(re.search(r'name="version" value="([^"]+)"', shown)[1])  # what both tabs show
    first = web.post("/actions/order/reorder", htmx=True, data={
        "kind": "hook", "key": key, "version": version, "item": [links[2], links[0], links[1]]})
    assert json.loads(first.headers["HX-Trigger"])["toast"]["message"].startswith("Order saved: ")
    second = web.post("/actions/order/reorder", htmx=True, data={
        "kind": "hook", "key": key, "version": version, "item": [links[1], links[2], links[0]]})
    assert "Someone else changed this list meanwhile" in second.get_data(as_text=True)
    assert json.loads(second.headers["HX-Trigger"])["toast"]["level"] == "error"
    with in_app():
        stored = db.session.scalars(db.select(HookAction.id).where(HookAction.hook_name == "OnClose")
                                    .order_by(HookAction.priority)).all()
    assert stored == [links[2], links[0], links[1]]


def test_two_tabs_editing_one_action_never_overwrite_each_other_in_silence(dashboard, tenant_a, in_app):
    web = dashboard(tenant_a.admin)
    web.get("/actions/new")
    web.post("/actions/new", data={"name": "Close it", "actionType": "Close", "isActive": "y"})
    with in_app():
        ident = db.session.scalars(db.select(Action.id).where(Action.name == "Close it")).one()
    page = web.get(f"/actions/{ident}/edit").get_data(as_text=True)
    version = html.unescape(re.search(r'name="version" value="([^"]+)"', page)[1])

    def save(description, seen):
        return web.post(f"/actions/{ident}/edit", data={
            "name": "Close it", "actionType": "Close", "isActive": "y", "description": description, "version": seen})

    assert save("first tab", version).status_code == 302
    stale = save("second tab", version)
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Someone else saved this action meanwhile" in body
    assert 'value="second tab"' in body
    with in_app():
        assert db.session.get(Action, ident).description == "first tab"
    fresh = html.unescape(re.search(r'name="version" value="([^"]+)"', body)[1])
    assert save("second tab", fresh).status_code == 302
    with in_app():
        assert db.session.get(Action, ident).description == "second tab"


def test_opening_an_existing_list_shows_it_first(dashboard, api, tenant_a, setup):
    admin = api(tenant_a.admin)
    action = admin.post("/api/Actions", json={"name": "Early", "actionType": "Spam"}).get_json()["actionID"]
    admin.post("/api/HookActions", json={"hookName": "PreSpam", "actionID": action})
    web, title = dashboard(tenant_a.admin), r'<h2 id="title-[^"]+"><span class="badge">(?:Hook|Topic)</span> ([^<]+)</h2>'
    assert re.findall(title, web.get("/actions/order").get_data(as_text=True))[:2] == [
        "PreSpam · every channel", "OnClose · every channel"]  # execution order
    opened = web.get("/actions/order?kind=hook&hook=OnClose&channel=").get_data(as_text=True)
    assert re.findall(title, opened)[:2] == ["OnClose · every channel", "PreSpam · every channel"]
    assert opened.count("> OnClose · every channel</h2>") == 1  # moved, not shown twice


def test_each_hook_says_when_it_runs_where_it_is_chosen(dashboard, tenant_a, setup):
    page = dashboard(tenant_a.admin).get("/actions/order").get_data(as_text=True)
    assert "When each hook runs" in page
    assert '<option title="A message has arrived, before the spam check.">PreSpam</option>' in page
    assert "<dt><code>OnEndUserAdd</code></dt><dd>An end user was created.</dd>" in page
    assert '<p class="muted hook-when">A ticket is closed.</p>' in page  # on the OnClose list itself
