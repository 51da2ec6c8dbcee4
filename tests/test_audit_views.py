"""The Activity page, its CSV export and the History panels, through the test client."""
import csv
import io
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.timeutil import utcnow

CSV_HEADER = ["occurredAt", "actorType", "actorId", "actorName", "action", "entityType", "entityId", "entityLabel",
              "changes"]


def rows_of(html: str) -> int:
    return len(re.findall(r'<td class="when">', html))


def text_of(html: str) -> str:
    """The page as people see it: tags and screen-reader-only words dropped, whitespace collapsed."""
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def admin_api(api, tenant_a):
    return api(tenant_a.admin)


@pytest.fixture
def web(dashboard, tenant_a):
    return dashboard(tenant_a.admin)


def test_the_page_lists_api_writes_with_who_what_and_before_after(admin_api, web, tenant_a):
    topic = admin_api.post("/api/Topics", json={"name": "Billing"}).get_json()["topicID"]
    admin_api.put(f"/api/Topics/{topic}", json={"name": "Invoices", "isActive": False})
    actions = [admin_api.post("/api/Actions", json={"name": name, "actionType": "Close"}).get_json()["actionID"]
               for name in ("Close it", "Flag it")]
    links = [admin_api.post("/api/HookActions", json={"hookName": "OnClose", "actionID": a}).get_json()["hookActionID"]
             for a in actions]
    assert admin_api.post("/api/HookActions/reorder", json={"ids": links[::-1]}).status_code == 200

    page = web.get("/activity/")
    html = page.get_data(as_text=True)
    text = text_of(html)
    assert page.status_code == 200 and "<html" in html
    assert 'aria-current="page">Activity</a>' in html
    assert rows_of(html) == 3 + 2 + 2 + 2 + 1  # the tenant's creation (Cli), topic, actions, links, reorder
    # newest first: the reorder, with both orders, compactly
    first_row = html[html.index('<td class="when">'):html.index("</tr>", html.index('<td class="when">'))]
    assert "Reorder" in first_row and "Hook link" in first_row and "OnClose" in first_row
    assert f"{links[0]}, {links[1]} → {links[1]}, {links[0]}" in text_of(first_row).replace(" ,", ",")
    # who: the admin and the kind of actor; the tenant's creation by the command line
    assert tenant_a.admin.email in text and "Representative" in text and "Command line tests" in text
    # what and before/after: the topic update reads name Billing -> Invoices, isActive yes -> no
    assert "name Billing → Invoices" in text and "isActive yes → no" in text
    assert 'href="/topics/"' in html and f'href="/actions/{actions[0]}/edit"' in html
    assert 'href="/actions/order"' in html


def test_each_filter_narrows_the_rows(admin_api, web, tenant_a):
    topic = admin_api.post("/api/Topics", json={"name": "Billing"}).get_json()["topicID"]
    admin_api.put(f"/api/Topics/{topic}", json={"name": "Invoices"})
    admin_api.post("/api/Channels", json={"name": "Mail", "channelType": "Email"})
    today = utcnow().date()  # the events' day in UTC
    day = {"today": today.isoformat(), "tomorrow": (today + timedelta(days=1)).isoformat(),
           "yesterday": (today - timedelta(days=1)).isoformat()}
    for query, count in (
        ("", 6),
        ("entityType=Topic", 2), ("entityType=Topic&action=Update", 1), ("action=Create", 5),
        ("actor=Cli", 3), (f"actor=Representative:{tenant_a.admin.id}", 3), (f"actor=Representative:{tenant_a.agent.id}", 0),
        (f"from={day['today']}", 6), (f"from={day['tomorrow']}", 0),
        (f"to={day['today']}", 6), (f"to={day['yesterday']}", 0),  # whole days: "to" today includes all of today
        (f"from={day['today']}&to={day['today']}&entityType=Channel", 1),
        (f"entityType=Topic&entityId={topic}", 2), ("entityType=Topic&entityId=999999", 0),
        (f"actorType=Representative&actorId={tenant_a.admin.id}", 3),  # the API's own names work too
    ):
        html = web.get(f"/activity/?{query}").get_data(as_text=True)
        assert rows_of(html) == count, query
    # the form shows what is applied
    html = web.get(f"/activity/?actor=Representative:{tenant_a.admin.id}&entityType=Topic&from={day['today']}").get_data(as_text=True)
    assert f'<option value="Representative:{tenant_a.admin.id}" selected>' in html
    assert '<option value="Topic" selected>Topic</option>' in html and f'value="{day["today"]}"' in html
    assert '<option value="EndUser" >End user</option>' in html
    # a record filter shows which record, with a way back to all
    html = web.get(f"/activity/?entityType=Topic&entityId={topic}").get_data(as_text=True)
    assert f'name="entityId" value="{topic}"' in html and "One record: Invoices" in html
    assert 'href="/activity/?entityType=Topic"' in html


def test_bad_filters_are_400s(web):
    for query in ("from=yesterday", "entityType=Nope", "action=Explode", "entityId=x", "actor=Robot:1", "pageSize=500"):
        assert web.get(f"/activity/?{query}").status_code == 400, query
        if "pageSize" not in query:  # the export has no pages
            assert web.get(f"/activity/export.csv?{query}").status_code == 400, query
    assert web.get("/activity/history?entityType=EndUser").status_code == 400
    assert web.get("/activity/history?entityId=5").status_code == 400


def test_paging_keeps_the_filters(admin_api, web):
    for number in range(27):
        assert admin_api.post("/api/Topics", json={"name": f"Topic {number:02}"}).status_code == 201
    html = web.get("/activity/?entityType=Topic").get_data(as_text=True)
    assert rows_of(html) == 25 and "Page 1 of 2 · 27 in all" in html
    assert "Topic 26" in html and "Topic 01" not in html  # newest first
    # Next carries the keyset cursor as well as the page number; both give the same page
    next_link = re.search(r'href="(/activity/\?entityType=Topic&amp;pageNumber=2&amp;cursor=[^"]+)"[^>]*rel="next"', html)
    assert next_link
    by_cursor = web.get(next_link[1].replace("&amp;", "&")).get_data(as_text=True)
    second = web.get("/activity/?entityType=Topic&pageNumber=2").get_data(as_text=True)
    assert rows_of(by_cursor) == 2 and "Topic 00" in by_cursor and "Topic 01" in by_cursor
    assert rows_of(second) == 2 and "Topic 00" in second and "Topic 01" in second and "‹ Previous" in second
    assert 'href="/activity/?entityType=Topic&amp;pageNumber=1"' in second
    assert rows_of(web.get("/activity/?pageNumber=9").get_data(as_text=True)) == 0


def test_htmx_gets_the_results_partial_and_a_history_restore_the_page(admin_api, web):
    admin_api.post("/api/Topics", json={"name": "Billing"})
    full = web.get("/activity/?entityType=Topic").get_data(as_text=True)
    assert "<html" in full and 'hx-get="/activity/"' in full and 'hx-target="#activity-results"' in full
    assert 'hx-push-url="true"' in full and "<noscript><button type=\"submit\">Filter</button></noscript>" in full
    partial = web.get("/activity/?entityType=Topic", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and "Billing" in partial and rows_of(partial) == 1
    assert 'href="/activity/export.csv?entityType=Topic"' in partial  # the export follows the filters
    restore = web.get("/activity/?entityType=Topic", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_agents_get_403_on_activity_and_no_link(dashboard, tenant_a, admin_api):
    person = admin_api.post("/api/EndUsers", json={"lastname": "Doe", "uids": [{"uid": "jane@example.com"}]}).get_json()
    action = admin_api.post("/api/Actions", json={"name": "Close it", "actionType": "Close"}).get_json()["actionID"]
    agent = dashboard(tenant_a.agent)
    assert ">Activity</a>" not in agent.get("/").get_data(as_text=True)
    for path in ("/activity/", "/activity/export.csv", f"/activity/history?entityType=Action&entityId={action}"):
        response = agent.get(path, headers={"HX-Request": "true"} if "history" in path else {})
        assert response.status_code == 403, path
    assert "No access" in agent.get("/activity/").get_data(as_text=True)
    # an end user's history is theirs to see (TicketAccess), without the link to the Admin-only page
    history = agent.get(f"/activity/history?entityType=EndUser&entityId={person['endUserID']}",
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Create" in history and "Doe" in history and "See all in Activity" not in history


def test_tenant_b_never_sees_a_events(admin_api, api, dashboard, tenant_a, tenant_b):
    admin_api.post("/api/Topics", json={"name": "Alpha only"})
    person = admin_api.post("/api/EndUsers", json={"lastname": "Alphason", "uids": [{"uid": "a@example.com"}]}).get_json()
    admin_api.put(f"/api/EndUsers/{person['endUserID']}", json={"lastname": "Alphasson"})
    other = dashboard(tenant_b.admin)
    page = other.get("/activity/").get_data(as_text=True)
    assert "Alpha" not in page and tenant_a.admin.email not in page and rows_of(page) == 3  # B's own creation
    scoped = other.get(f"/activity/?entityType=EndUser&entityId={person['endUserID']}").get_data(as_text=True)
    assert rows_of(scoped) == 0 and "Alpha" not in scoped
    export = other.get("/activity/export.csv").get_data(as_text=True)
    assert "Alpha" not in export and tenant_a.admin.email not in export and len(read_csv(other.get("/activity/export.csv"))) == 4
    for headers in ({"HX-Request": "true"}, {}):
        history = other.get(f"/activity/history?entityType=EndUser&entityId={person['endUserID']}", headers=headers)
        body = history.get_data(as_text=True)
        assert history.status_code == 200 and "No changes recorded yet." in body and "Alpha" not in body
    # and B's admin names none of A's representatives in the person filter
    assert tenant_a.admin.email not in page and tenant_b.admin.email in page


def test_csv_export_has_a_header_and_one_row_per_filtered_event_and_no_secret(admin_api, web, tenant_a):
    secret = "sk-export-plaintext-0001"
    assert admin_api.put("/api/Customers/me", json={"openAIApiKey": secret, "twilioRegion": "us1"}).status_code == 204
    assert admin_api.put("/api/Customers/me", json={"openAIApiKey": secret + "b"}).status_code == 204
    admin_api.post("/api/Topics", json={"name": "=HYPERLINK(\"http://evil.example.com\")"})

    response = web.get("/activity/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv" and response.is_streamed
    assert response.headers["Content-Disposition"].startswith('attachment; filename="activity-')
    body = response.get_data(as_text=True)
    assert secret not in body
    rows = read_csv(response)
    assert rows[0] == CSV_HEADER and len(rows) == 1 + 3 + 2 + 1
    assert [r[0] for r in rows[1:]] == sorted((r[0] for r in rows[1:]), reverse=True)
    topic = rows[1]
    assert topic[4:6] == ["Create", "Topic"] and topic[7].startswith("'=HYPERLINK")  # never a live formula
    customer = read_csv(web.get("/activity/export.csv?entityType=Customer&action=Update"))
    assert customer[0] == CSV_HEADER and len(customer) == 3
    newest, oldest = (dict(zip(CSV_HEADER, row)) for row in customer[1:])
    assert json.loads(oldest["changes"]) == {"twilioRegion": {"from": None, "to": "us1"},
                                             "openAIApiKey": {"from": None, "to": "set"}}
    assert json.loads(newest["changes"]) == {"openAIApiKey": {"from": "set", "to": "changed"}}
    assert (newest["actorType"], newest["actorId"], newest["actorName"]) == (
        "Representative", str(tenant_a.admin.id), tenant_a.admin.email)
    assert newest["entityId"] == str(tenant_a.id) and newest["occurredAt"].endswith("Z")
    # and the page shows the secret only as set / changed
    text = text_of(web.get("/activity/?entityType=Customer").get_data(as_text=True))
    assert "openAIApiKey set → changed" in text and "openAIApiKey — → set" in text and secret not in text


def test_history_partial_of_an_end_user_lists_its_update(admin_api, web, tenant_a):
    person = admin_api.post("/api/EndUsers", json={"firstname": "Jane", "lastname": "Doe",
                                                   "uids": [{"uid": "jane@example.com"}]}).get_json()["endUserID"]
    admin_api.put(f"/api/EndUsers/{person}", json={"lastname": "Dee",
                                                   "uids": [{"uidType": "Phone", "uid": "+32470123456"}]})
    detail = web.get(f"/end-users/{person}").get_data(as_text=True)
    url = f"/activity/history?entityType=EndUser&amp;entityId={person}"
    assert f'hx-get="{url}" hx-trigger="load"' in detail and "<h2 id=\"history-h\">History</h2>" in detail

    partial = web.get(url.replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(as_text=True)
    text = text_of(partial)
    assert "<html" not in partial
    assert text.index("Update") < text.index("Create")  # newest first
    assert "lastname Doe → Dee" in text
    assert "uids Email jane@example.com (primary) → Email jane@example.com (primary), Phone +32470123456" in text
    assert tenant_a.admin.email in text
    assert f'href="/activity/?entityType=EndUser&amp;entityId={person}"' in partial and "See all in Activity" in partial
    # without htmx (no JavaScript) the same history is a page of its own
    page = web.get(url.replace("&amp;", "&")).get_data(as_text=True)
    assert "<html" in page and "History of Jane Dee" in page and f'href="/end-users/{person}"' in page


def test_history_shows_the_latest_20_and_an_action_page_has_its_panel(admin_api, web):
    action = admin_api.post("/api/Actions", json={"name": "Close it", "actionType": "Close"}).get_json()["actionID"]
    for number in range(21):
        admin_api.put(f"/api/Actions/{action}", json={"actionID": action, "description": f"take {number}"})
    edit = web.get(f"/actions/{action}/edit").get_data(as_text=True)
    assert f'hx-get="/activity/history?entityType=Action&amp;entityId={action}" hx-trigger="load"' in edit
    partial = web.get(f"/activity/history?entityType=Action&entityId={action}", headers={"HX-Request": "true"})
    html = partial.get_data(as_text=True)
    assert html.count("<li>") == 20 and "The latest 20 of 22 changes." in html
    assert "take 19 → take 20" in text_of(html) and "Create" not in html


def test_a_deleted_record_keeps_its_label_without_a_link(admin_api, web):
    action = admin_api.post("/api/Actions", json={"name": "Short lived", "actionType": "Close"}).get_json()["actionID"]
    assert admin_api.delete(f"/api/Actions/{action}").status_code == 204
    html = web.get("/activity/?entityType=Action").get_data(as_text=True)
    assert rows_of(html) == 2 and html.count('<span class="entity-label">Short lived</span>') == 2
    assert html.count("(deleted)") == 2
    assert f"/actions/{action}/edit" not in html


# ---- Revert and Undo on the dashboard ---------------------------------------------------------

def _latest_event(admin_api, query=""):
    return admin_api.get(f"/api/AuditEvents?pageSize=1{query}").get_json()["items"][0]


def test_the_revert_button_puts_a_setting_back(admin_api, web):
    admin_api.put("/api/Customers/me", json={"twilioRegion": "us1"})
    event = _latest_event(admin_api)
    html = web.get("/activity/").get_data(as_text=True)
    assert f'action="/activity/{event["auditEventID"]}/revert"' in html and ">Revert</button>" in html
    response = web.post(f"/activity/{event['auditEventID']}/revert", htmx=True)
    assert response.status_code == 200 and response.headers["HX-Refresh"] == "true"
    assert admin_api.get("/api/Customers/me").get_json()["twilioRegion"] is None
    page = web.get("/activity/").get_data(as_text=True)
    assert "is back as it was" in page and "Reverted" in page  # the flashed toast, and the event marked
    again = web.post(f"/activity/{event['auditEventID']}/revert", htmx=True)
    assert again.status_code == 409 and "already reverted" in again.headers["HX-Trigger"]


def test_undo_in_the_toast_after_deleting_an_end_user_brings_them_back(dashboard, tenant_a, api):
    agent_api, agent = api(tenant_a.agent), dashboard(tenant_a.agent)
    person = agent_api.post("/api/EndUsers", json={"firstname": "Jane", "uids": [{"uid": "jane@example.com"}]}).get_json()
    agent.get(f"/end-users/{person['endUserID']}/delete")
    response = agent.post(f"/end-users/{person['endUserID']}/delete")
    assert response.status_code == 302
    listing = agent.get(response.headers["Location"]).get_data(as_text=True)
    undo = re.search(r'<div class="toast toast-success toast-undo">\s*Jane was deleted.*?action="(/activity/\d+/revert)"',
                     listing, re.S)
    assert undo, listing[:2000]
    assert agent.post(undo[1]).status_code == 302
    back = agent_api.get(f"/api/EndUsers/{person['endUserID']}").get_json()
    assert back["firstname"] == "Jane" and [u["uid"] for u in back["uids"]] == ["jane@example.com"]


def test_agents_undo_end_users_only(dashboard, tenant_a, admin_api):
    agent = dashboard(tenant_a.agent)
    admin_api.post("/api/Topics", json={"name": "Billing"})
    topic = _latest_event(admin_api)["entityId"]
    admin_api.put(f"/api/Topics/{topic}", json={"name": "Invoices"})
    event = _latest_event(admin_api)
    assert agent.post(f"/activity/{event['auditEventID']}/revert", htmx=True).status_code == 403
    assert admin_api.get(f"/api/Topics/{topic}").get_json()["name"] == "Invoices"


# ---- History of one execution-order list ------------------------------------------------------

def test_an_order_list_has_its_own_history_by_name_and_its_reorder_can_be_reverted(admin_api, web, tenant_a):
    actions = [admin_api.post("/api/Actions", json={"name": name, "actionType": "Close"}).get_json()["actionID"]
               for name in ("Greet", "Check", "Close")]
    links = [admin_api.post("/api/HookActions", json={"hookName": "OnClose", "actionID": a}).get_json()["hookActionID"]
             for a in actions]
    admin_api.post("/api/HookActions", json={"hookName": "PreSpam", "actionID": actions[0]})
    assert admin_api.post("/api/HookActions/reorder", json={"ids": links[::-1]}).status_code == 200

    order = web.get("/actions/order").get_data(as_text=True)
    url = "/activity/history?entityType=HookAction&amp;contextKey=h:OnClose%7Cc:"
    assert f'hx-get="{url}"' in order and "History of this list" in order

    partial = web.get(url.replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(as_text=True)
    text = text_of(partial)
    # the reorder, newest first, by the actions' names; the three links added; not the other list
    assert partial.count("<li>") == 4 and text.index("Reorder") < text.index("Create")
    assert "order 1. Greet, 2. Check, 3. Close → 1. Close, 2. Check, 3. Greet" in text
    assert "PreSpam" not in text
    reorder = _latest_event(admin_api, "&action=Reorder")
    assert f'action="/activity/{reorder["auditEventID"]}/revert"' in partial

    assert web.post(f"/activity/{reorder['auditEventID']}/revert", htmx=True).status_code == 200
    listed = admin_api.get("/api/HookActions?hookName=OnClose").get_json()["items"]
    assert [link["hookActionID"] for link in sorted(listed, key=lambda x: x["priority"])] == links
    again = text_of(web.get(url.replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(as_text=True))
    assert again.index("Revert") < again.index("Reorder")


def test_a_list_history_is_the_tenants_own_and_admins_only(admin_api, api, dashboard, tenant_a, tenant_b):
    action = admin_api.post("/api/Actions", json={"name": "Greet", "actionType": "Close"}).get_json()["actionID"]
    admin_api.post("/api/HookActions", json={"hookName": "OnClose", "actionID": action})
    url = "/activity/history?entityType=HookAction&contextKey=h:OnClose%7Cc:"
    stranger = dashboard(tenant_b.admin).get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "No changes recorded yet." in stranger and "Greet" not in stranger
    assert dashboard(tenant_a.agent).get(url, headers={"HX-Request": "true"}).status_code == 403
    assert dashboard(tenant_a.admin).get("/activity/history?entityType=HookAction").status_code == 400


def test_times_read_in_the_representatives_time_zone_with_utc_on_hover(admin_api, web, in_app, tenant_a):
    from app.auth.models import Representative
    from app.extensions import db

    with in_app():
        db.session.get(Representative, tenant_a.admin.id).time_zone = "America/New_York"
        db.session.commit()
    admin_api.put("/api/Customers/me", json={"twilioRegion": "us1"})
    html = web.get("/activity/").get_data(as_text=True)
    stamp = re.search(r'<time datetime="([^"]+Z)" title="([^"]+) UTC">([^<]+)</time>', html)
    assert stamp, "a time with its UTC value"
    moment = datetime.fromisoformat(stamp[1].replace("Z", "+00:00"))
    assert stamp[2] == moment.strftime("%Y-%m-%d %H:%M")
    local = moment.astimezone(ZoneInfo("America/New_York"))
    assert stamp[3] == local.strftime("%Y-%m-%d %H:%M ") + local.tzname()  # EST in winter, EDT in summer
