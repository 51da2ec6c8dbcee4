"""ETag / If-Match: reads carry a version, a write with an older one is a 412 that changes nothing.

The real app on the real database (SQLite, or PostgreSQL with TEST_DATABASE_URL); the races go
through `live_server` over real HTTP, two conditional writes with the same If-Match at once.
"""
import json
from datetime import datetime

import pytest

from app.tickets.models import Ticket, TicketMessage
from tests.live_http import Call, Caller, api_token, race
from tests.tenant_data import differences, snapshot

PROBLEM = "application/problem+json"
JANE = {"firstname": "Jane", "lastname": "Doe", "customerType": "Customer", "country": "BE", "city": "Antwerp",
        "uids": [{"uidType": "Email", "uid": "jane@example.com", "isPrimary": True}]}
ROUNDS = 5


@pytest.fixture
def admin(api, tenant_a):
    return api(tenant_a.admin)


def created(response) -> dict:
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def etag_of(response) -> str:
    assert response.status_code == 200, response.get_json()
    tag = response.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 2, tag  # strong: quoted, no W/
    return tag


def refused(response, etag_now: str) -> dict:
    """A 412 problem+json carrying the current version as ETag; its body."""
    assert response.status_code == 412, (response.status_code, response.get_json())
    assert response.mimetype == PROBLEM
    assert response.headers["ETag"] == etag_now
    body = response.get_json()
    assert body["status"] == 412 and body["title"]
    return body


@pytest.fixture
def jane(admin) -> int:
    return created(admin.post("/api/EndUsers", json=JANE))["endUserID"]


@pytest.fixture
def action(admin) -> int:
    return created(admin.post("/api/Actions", json={"name": "Call CRM", "actionType": "ApiCall", "apiMethod": "POST",
                                                    "apiEndpoint": "https://crm.example.com/hook",
                                                    "overrideApiPassword": "first-password"}))["actionID"]


# ---- End users -------------------------------------------------------------------------------

def test_get_end_user_carries_a_stable_strong_etag(admin, jane):
    first = admin.get(f"/api/EndUsers/{jane}")
    assert etag_of(first) == etag_of(admin.get(f"/api/EndUsers/{jane}"))


def test_put_with_the_current_etag_saves_and_answers_the_new_one(admin, jane):
    old = etag_of(admin.get(f"/api/EndUsers/{jane}"))
    response = admin.put(f"/api/EndUsers/{jane}", json={"city": "Gent"}, headers={"If-Match": old})
    assert response.status_code == 204
    new = response.headers["ETag"]
    assert new != old
    again = admin.get(f"/api/EndUsers/{jane}")
    assert etag_of(again) == new and again.get_json()["city"] == "Gent"


def test_put_with_an_old_etag_is_412_with_the_current_state_and_stores_nothing(app, admin, jane, tenant_a):
    old = etag_of(admin.get(f"/api/EndUsers/{jane}"))
    assert admin.put(f"/api/EndUsers/{jane}", json={"city": "Gent"}, headers={"If-Match": old}).status_code == 204
    current = admin.get(f"/api/EndUsers/{jane}")
    before = snapshot(app, tenant_a.id)

    response = admin.put(f"/api/EndUsers/{jane}", json={"city": "Brugge", "uids": [
        {"uidType": "Phone", "uid": "+32470123456"}]}, headers={"If-Match": old})
    body = refused(response, etag_of(current))
    assert body["current"] == current.get_json()
    assert differences(before, snapshot(app, tenant_a.id)) == []  # not even an audit event


def test_precondition_comes_before_validation(admin, jane):
    """RFC 9110: a failed precondition is answered before the body is looked at."""
    response = admin.put(f"/api/EndUsers/{jane}", json={"city": 12345}, headers={"If-Match": '"0"'})
    assert response.status_code == 412


def test_without_if_match_writes_work_as_before(admin, jane):
    response = admin.put(f"/api/EndUsers/{jane}", json={"city": "Gent"})
    assert response.status_code == 204 and response.headers["ETag"] == etag_of(admin.get(f"/api/EndUsers/{jane}"))
    assert admin.put(f"/api/EndUsers/{jane}", json={"city": 12345}).status_code == 400
    assert admin.put("/api/EndUsers/999999", json={"city": "Gent"}, headers={"If-Match": "*"}).status_code == 404


@pytest.mark.parametrize("condition, status", [
    ("*", 204),
    ("{current}", 204),
    ('"stale", {current}', 204),       # a list passes when it names the current version
    ("W/{current}", 412),              # If-Match compares strongly: a weak tag never matches
    ('"stale"', 412),
    ("", 412),
])
def test_if_match_forms(admin, jane, condition, status):
    current = etag_of(admin.get(f"/api/EndUsers/{jane}"))
    response = admin.put(f"/api/EndUsers/{jane}", json={"lang": "fr"},
                         headers={"If-Match": condition.format(current=current)})
    assert response.status_code == status, response.get_json()


def test_etag_changes_when_an_identifier_is_added(admin, jane):
    first = etag_of(admin.get(f"/api/EndUsers/{jane}"))
    assigned = admin.post("/api/EndUserUIDs/assign", json={"endUserID": jane, "uidType": "Phone", "uid": "+32470123456"})
    assert assigned.status_code == 201, assigned.get_json()
    second = etag_of(admin.get(f"/api/EndUsers/{jane}"))
    assert second != first
    # the same through a PUT: its answer is the version a GET then shows
    response = admin.put(f"/api/EndUsers/{jane}", json={"uids": [{"uidType": "WhatsApp", "uid": "+32470999999"}]},
                         headers={"If-Match": second})
    assert response.status_code == 204
    third = etag_of(admin.get(f"/api/EndUsers/{jane}"))
    assert response.headers["ETag"] == third and third not in (first, second)
    # and making another identifier primary is a change too
    uids = admin.get(f"/api/EndUsers/{jane}").get_json()["uids"]
    phone = next(u for u in uids if u["uidType"] == "Phone")
    admin.post("/api/EndUserUIDs/assign", json={"endUserID": jane, "uidType": "Phone", "uid": phone["uid"], "isPrimary": True})
    assert etag_of(admin.get(f"/api/EndUsers/{jane}")) != third


def test_a_new_ticket_message_does_not_make_an_edit_stale(admin, jane, tenant_a, in_app):
    """lastInteractionDate follows the tickets; it is not part of the person's version."""
    before = admin.get(f"/api/EndUsers/{jane}")
    with in_app() as session:
        channel = created(admin.post("/api/Channels", json={"name": "Mail", "channelType": "Email"}))["channelID"]
        ticket = Ticket(customer_id=tenant_a.id, channel_id=channel, uid="jane@example.com", subject="Help",
                        created_date=datetime(2026, 3, 3, 9, 0), last_message_date=datetime(2026, 3, 3, 9, 5))
        ticket.messages.append(TicketMessage(customer_id=tenant_a.id, sender="EndUser", body="Hello",
                                             created_date=datetime(2026, 3, 3, 9, 5)))
        session.add(ticket)
        session.commit()
    after = admin.get(f"/api/EndUsers/{jane}")
    assert after.get_json()["lastInteractionDate"] != before.get_json()["lastInteractionDate"]
    assert etag_of(after) == etag_of(before)


def test_delete_with_an_old_etag_is_412_and_keeps_the_end_user(admin, jane):
    old = etag_of(admin.get(f"/api/EndUsers/{jane}"))
    assert admin.put(f"/api/EndUsers/{jane}", json={"city": "Gent"}).status_code == 204
    current = admin.get(f"/api/EndUsers/{jane}")
    body = refused(admin.delete(f"/api/EndUsers/{jane}", headers={"If-Match": old}), etag_of(current))
    assert body["current"] == current.get_json()
    assert admin.delete(f"/api/EndUsers/{jane}", headers={"If-Match": etag_of(current)}).status_code == 204
    assert admin.get(f"/api/EndUsers/{jane}").status_code == 404


def test_another_tenants_end_user_is_404_whatever_the_if_match(api, tenant_b, jane):
    other = api(tenant_b.admin)
    for condition in ("*", '"stale"'):
        assert other.put(f"/api/EndUsers/{jane}", json={"city": "X"}, headers={"If-Match": condition}).status_code == 404
        assert other.delete(f"/api/EndUsers/{jane}", headers={"If-Match": condition}).status_code == 404


# ---- Actions ---------------------------------------------------------------------------------

def test_action_put_and_delete_with_if_match(admin, action):
    old = etag_of(admin.get(f"/api/Actions/{action}"))
    saved = admin.put(f"/api/Actions/{action}", json={"actionID": action, "description": "v2"},
                      headers={"If-Match": old})
    assert saved.status_code == 204
    current = admin.get(f"/api/Actions/{action}")
    assert saved.headers["ETag"] == etag_of(current) != old

    stale = admin.put(f"/api/Actions/{action}", json={"actionID": action, "description": "v3"},
                      headers={"If-Match": old})
    assert refused(stale, etag_of(current))["current"] == current.get_json()
    assert admin.get(f"/api/Actions/{action}").get_json()["description"] == "v2"
    refused(admin.delete(f"/api/Actions/{action}", headers={"If-Match": old}), etag_of(current))
    assert admin.delete(f"/api/Actions/{action}", headers={"If-Match": "*"}).status_code == 204


def test_a_replaced_secret_changes_the_version_without_showing_in_it(admin, action):
    first = admin.get(f"/api/Actions/{action}")
    response = admin.put(f"/api/Actions/{action}", json={"actionID": action, "overrideApiPassword": "second-password"},
                         headers={"If-Match": etag_of(first)})
    assert response.status_code == 204
    second = admin.get(f"/api/Actions/{action}")
    assert second.get_json() == first.get_json()  # the DTO only says that it is set
    assert etag_of(second) != etag_of(first)
    assert "first-password" not in etag_of(second) and "second-password" not in etag_of(second)


# ---- Customer settings -------------------------------------------------------------------------

def test_customer_settings_with_if_match(admin):
    old = etag_of(admin.get("/api/Customers/me"))
    saved = admin.put("/api/Customers/me", json={"twilioRegion": "ie1"}, headers={"If-Match": old})
    assert saved.status_code == 204
    current = admin.get("/api/Customers/me")
    assert saved.headers["ETag"] == etag_of(current) != old
    stale = admin.put("/api/Customers/me", json={"twilioRegion": "us1"}, headers={"If-Match": old})
    assert refused(stale, etag_of(current))["current"] == current.get_json()
    assert admin.get("/api/Customers/me").get_json()["twilioRegion"] == "ie1"

    # a secret set, then replaced: each time a new version, while the DTO shows only "set"
    versions = [etag_of(current)]
    for key in ("sk-first", "sk-second"):
        response = admin.put("/api/Customers/me", json={"openAIApiKey": key}, headers={"If-Match": versions[-1]})
        assert response.status_code == 204
        versions.append(response.headers["ETag"])
    assert len(set(versions)) == 3 and versions[-1] == etag_of(admin.get("/api/Customers/me"))


# ---- Lists (reorder) --------------------------------------------------------------------------

@pytest.fixture
def world(admin):
    actions = [created(admin.post("/api/Actions", json={"name": f"Close {i}", "actionType": "Close"}))["actionID"]
               for i in range(3)]
    channel = created(admin.post("/api/Channels", json={"name": "Mail", "channelType": "Email"}))["channelID"]
    topic = created(admin.post("/api/Topics", json={"name": "Billing"}))["topicID"]
    hooks = [created(admin.post("/api/HookActions", json={"hookName": "OnClose", "actionID": a}))["hookActionID"]
             for a in actions]
    on_channel = created(admin.post("/api/HookActions", json={"hookName": "OnClose", "actionID": actions[0],
                                                              "channelID": channel}))["hookActionID"]
    topics = [created(admin.post("/api/TopicActions", json={"topicID": topic, "actionID": a}))["topicActionID"]
              for a in actions]
    return {"actions": actions, "channel": channel, "topic": topic, "hooks": hooks, "on_channel": on_channel,
            "topics": topics}


def hook_order(admin) -> list[int]:
    items = admin.get("/api/HookActions?hookName=OnClose&pageSize=100").get_json()["items"]
    return [i["hookActionID"] for i in items if i["channelID"] is None]


def test_reorder_with_the_list_etag_and_with_a_stale_one(admin, world):
    hooks = world["hooks"]
    listed = admin.get("/api/HookActions?hookName=OnClose")
    old = etag_of(listed)
    response = admin.post("/api/HookActions/reorder", json={"ids": hooks[::-1]}, headers={"If-Match": old})
    assert response.status_code == 200
    assert [i["hookActionID"] for i in response.get_json()] == hooks[::-1]
    new = response.headers["ETag"]
    assert new != old and new == etag_of(admin.get("/api/HookActions?hookName=OnClose"))

    stale = admin.post("/api/HookActions/reorder", json={"ids": hooks}, headers={"If-Match": old})
    assert refused(stale, new)["currentOrder"] == hooks[::-1]
    assert hook_order(admin) == hooks[::-1]
    # even when the stale caller's ids are not the members any more, the precondition answers first
    assert admin.post("/api/HookActions/reorder", json={"ids": hooks[:2]}, headers={"If-Match": old}).status_code == 412
    assert admin.post("/api/HookActions/reorder", json={"ids": hooks}, headers={"If-Match": "*"}).status_code == 200
    # without If-Match the reorder works as before (and still says the list's new version)
    plain = admin.post("/api/HookActions/reorder", json={"ids": hooks[::-1]})
    assert plain.status_code == 200 and plain.headers["ETag"] == new  # the same order as before: the same version


def test_list_version_moves_with_priorities_and_membership(admin, world):
    def version():
        return etag_of(admin.get("/api/HookActions?hookName=OnClose"))

    seen = [version()]
    assert admin.put(f"/api/HookActions/{world['hooks'][0]}", json={"priority": 5}).status_code == 204
    seen.append(version())
    extra = created(admin.post("/api/Actions", json={"name": "Spam", "actionType": "Spam"}))["actionID"]
    created(admin.post("/api/HookActions", json={"hookName": "OnClose", "actionID": extra}))
    seen.append(version())
    assert len(set(seen)) == 3
    # a change in another list (the channel's) is not a change of the every-channel list
    assert admin.put(f"/api/HookActions/{world['on_channel']}", json={"priority": 99}).status_code == 204
    assert version() == seen[-1]


def test_which_list_gets_an_etag(admin, world):
    def tag(query):
        return admin.get(f"/api/{query}").headers.get("ETag")

    channel, topic = world["channel"], world["topic"]
    every, on_channel = tag("HookActions?hookName=OnClose"), tag(f"HookActions?hookName=OnClose&channelId={channel}")
    assert every and on_channel and every != on_channel
    assert tag("HookActions?hookName=OnClose&pageSize=1&sortBy=ActionName") == every  # paging and sorting: one list
    assert tag(f"HookActions?actionId={world['actions'][0]}") is None                 # several lists
    assert tag("HookActions?hookName=OnClose&isActive=true") is None                  # part of a list
    assert tag("HookActions?hookName=OnClose&channelId=0") is None
    assert tag(f"TopicActions?topicId={topic}") and tag("TopicActions") is None
    reordered = admin.post("/api/HookActions/reorder", json={"ids": [world["on_channel"]]},
                           headers={"If-Match": on_channel})
    assert reordered.status_code == 200
    assert admin.post("/api/HookActions/reorder", json={"ids": [world["on_channel"]]},
                      headers={"If-Match": every}).status_code == 412


def test_topic_reorder_with_if_match(admin, world):
    ids = world["topics"]
    old = etag_of(admin.get(f"/api/TopicActions?topicId={world['topic']}"))
    moved = admin.post("/api/TopicActions/reorder", json={"ids": ids[::-1]}, headers={"If-Match": old})
    assert moved.status_code == 200
    stale = admin.post("/api/TopicActions/reorder", json={"ids": ids}, headers={"If-Match": old})
    assert refused(stale, moved.headers["ETag"])["currentOrder"] == ids[::-1]


# ---- OpenAPI ---------------------------------------------------------------------------------

WRITES = [("put", "/api/EndUsers/{end_user_id}"), ("delete", "/api/EndUsers/{end_user_id}"),
          ("put", "/api/Actions/{action_id}"), ("delete", "/api/Actions/{action_id}"), ("put", "/api/Customers/me"),
          ("post", "/api/HookActions/reorder"), ("post", "/api/TopicActions/reorder")]
READS = ["/api/EndUsers/{end_user_id}", "/api/Actions/{action_id}", "/api/Customers/me"]


def test_openapi_documents_etag_if_match_and_412(client):
    document = client.get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for path in READS:
        header = document["paths"][path]["get"]["responses"]["200"]["headers"]["ETag"]
        assert header["required"] is True and header["schema"] == {"type": "string"}
    for path in ("/api/HookActions", "/api/TopicActions"):
        assert document["paths"][path]["get"]["responses"]["200"]["headers"]["ETag"]["required"] is False
    for method, path in WRITES:
        operation = document["paths"][path][method]
        [if_match] = [p for p in operation["parameters"] if p["name"] == "If-Match"]
        assert (if_match["in"], if_match["required"], if_match["schema"]) == ("header", False, {"type": "string"})
        failed = operation["responses"]["412"]
        assert failed["headers"]["ETag"]["required"] is True
        ref = failed["content"][PROBLEM]["schema"]["$ref"].rsplit("/", 1)[1]
        extra = schemas[ref]["allOf"][1]
        assert extra["required"] == (["currentOrder"] if path.endswith("/reorder") else ["current"]), (path, extra)
        if method != "delete":
            success = next(s for s in ("200", "204") if s in operation["responses"])
            assert operation["responses"][success]["headers"]["ETag"]["required"] is True
    unconditional = document["paths"]["/api/Topics/{topic_id}"]["put"]
    assert "412" not in unconditional["responses"] and all(p["in"] != "header" for p in unconditional["parameters"])


# ---- Races ---------------------------------------------------------------------------------

def _token(base: str, rep) -> str:
    return api_token(base, rep)


def _send(base, token, method, path, body=None, headers=None):
    answer = Caller(base, token).send(method, path, body, headers=headers)
    return answer.status, answer.headers, answer.text


def _race(base, token, calls):
    """Send every (method, path, body, headers) at once (tests/live_http.py)."""
    answers = race([Call(Caller(base, token), method, path, body, headers=headers)
                    for method, path, body, headers in calls])
    return [(a.status, a.headers, a.text) for a in answers]


def _read(base, token, path):
    status, headers, text = _send(base, token, "GET", path)
    assert status == 200, text
    return headers["ETag"], json.loads(text)


def _created(base, token, path, body, id_field) -> int:
    status, _, text = _send(base, token, "POST", path, body)
    assert status == 201, text
    return json.loads(text)[id_field]


def _record_race(base, token, resource):
    """(read path, write path, the two racing bodies of a round, the field they set differently)."""
    if resource == "EndUsers":
        path = f"/api/EndUsers/{_created(base, token, '/api/EndUsers', JANE, 'endUserID')}"
        return path, path, lambda n: [{"city": f"Gent {n}"}, {"city": f"Brugge {n}"}], "city"
    if resource == "Actions":
        ident = _created(base, token, "/api/Actions", {"name": "Race", "actionType": "Close"}, "actionID")
        return (f"/api/Actions/{ident}", f"/api/Actions/{ident}",
                lambda n: [{"actionID": ident, "description": f"A {n}"}, {"actionID": ident, "description": f"B {n}"}],
                "description")
    return "/api/Customers/me", "/api/Customers/me", lambda n: [{"twilioRegion": f"ie{n}"}, {"twilioRegion": f"us{n}"}], \
        "twilioRegion"


@pytest.mark.parametrize("resource", ["EndUsers", "Actions", "Customers"])
def test_two_racing_conditional_puts_one_204_one_412(live_server, tenant_a, resource):
    token = _token(live_server, tenant_a.admin)
    read, write, bodies_of, field = _record_race(live_server, token, resource)
    for round_no in range(ROUNDS):
        bodies = bodies_of(round_no)
        version, _ = _read(live_server, token, read)
        answers = _race(live_server, token, [("PUT", write, body, {"If-Match": version}) for body in bodies])
        codes = sorted(a[0] for a in answers)
        what = f"round {round_no}: two PUT {write} with one If-Match answered {codes}"
        assert codes == [204, 412], what
        winner = next(i for i, a in enumerate(answers) if a[0] == 204)
        loser = answers[1 - winner]
        now, state = _read(live_server, token, read)
        assert answers[winner][1]["ETag"] == now == loser[1]["ETag"], what
        assert loser[1].get_content_type() == PROBLEM and json.loads(loser[2])["current"] == state, what
        assert state[field] == bodies[winner][field], what


def test_two_racing_conditional_reorders_one_200_one_412(live_server, tenant_a):
    token = _token(live_server, tenant_a.admin)
    for i in range(3):
        action = _created(live_server, token, "/api/Actions", {"name": f"Race {i}", "actionType": "Close"}, "actionID")
        _created(live_server, token, "/api/HookActions", {"hookName": "PreSpam", "actionID": action}, "hookActionID")
    read = "/api/HookActions?hookName=PreSpam"
    for round_no in range(ROUNDS):
        version, page = _read(live_server, token, read)
        ids = [i["hookActionID"] for i in page["items"]]
        orders = [ids[1:] + ids[:1], ids[-1:] + ids[:-1]]  # two new orders, different from each other
        answers = _race(live_server, token, [("POST", "/api/HookActions/reorder", {"ids": order},
                                              {"If-Match": version}) for order in orders])
        codes = sorted(a[0] for a in answers)
        what = f"round {round_no}: two reorders with one If-Match answered {codes}"
        assert codes == [200, 412], what
        winner = next(i for i, a in enumerate(answers) if a[0] == 200)
        now, page = _read(live_server, token, read)
        assert [i["hookActionID"] for i in page["items"]] == orders[winner], what
        assert answers[winner][1]["ETag"] == now == answers[1 - winner][1]["ETag"], what
        assert json.loads(answers[1 - winner][2])["currentOrder"] == orders[winner], what
