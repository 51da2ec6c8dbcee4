"""/api/TopicActions and /api/HookActions: links, bulk, priorities, reorder, wait-seconds, isolation."""
import itertools
import threading

import pytest

from app.actions.models import HookAction
from app.extensions import db


@pytest.fixture
def admin(api, tenant_a):
    return api(tenant_a.admin)


@pytest.fixture
def world(admin):
    """Two topics, two channels, five actions (two of them Wait)."""

    def make(path, **body):
        response = admin.post(path, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    topics = [make("/api/Topics", name=n)["topicID"] for n in ("Billing", "Delivery")]
    channels = [make("/api/Channels", name=n, channelType=t)["channelID"] for n, t in (("Mail", "Email"), ("Phone", "Phone"))]
    actions = [make("/api/Actions", name=f"Action {i}", actionType="Close")["actionID"] for i in range(3)]
    waits = [make("/api/Actions", name=f"Wait {s}", actionType="Wait", waitSeconds=s)["actionID"] for s in (30, 15)]
    return {"topics": topics, "channels": channels, "actions": actions, "waits": waits}


def link_hook(admin, hook, action, channel=None, **extra):
    response = admin.post("/api/HookActions", json={"hookName": hook, "actionID": action, "channelID": channel, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def order(admin, hook, channel=None):
    items = admin.get(f"/api/HookActions?hookName={hook}&pageSize=100").get_json()["items"]
    items = [i for i in items if i["channelID"] == channel]
    return [(i["hookActionID"], i["priority"]) for i in items]


# ---- TopicActions -----------------------------------------------------------------------------

def test_topic_action_create_read_list_update_delete(admin, world):
    topic, channel = world["topics"][0], world["channels"][0]
    body = {"topicID": topic, "specialTopic": None, "documentID": 0, "channelID": channel,
            "specialChannel": None, "actionID": world["actions"][0], "priority": 100}
    response = admin.post("/api/TopicActions", json=body)
    assert response.status_code == 201
    link = response.get_json()
    assert (link["topicID"], link["channelID"], link["documentID"], link["priority"]) == (topic, channel, None, 100)
    assert link["topicName"] == "Billing" and link["actionName"] == "Action 0" and link["isActive"] is True
    assert response.headers["Location"].endswith(f"/api/TopicActions/{link['topicActionID']}")

    appended = admin.post("/api/TopicActions", json={"topicID": topic, "channelID": channel, "actionID": world["actions"][1]})
    assert appended.get_json()["priority"] == 110  # no priority: after the last one

    ident = link["topicActionID"]
    assert admin.get(f"/api/TopicActions/{ident}").get_json()["priority"] == 100
    assert admin.put(f"/api/TopicActions/{ident}", json={"priority": 5}).status_code == 204
    assert admin.get(f"/api/TopicActions/{ident}").get_json()["priority"] == 5

    listed = admin.get(f"/api/TopicActions?topicId={topic}&channelId={channel}").get_json()
    assert [i["topicActionID"] for i in listed["items"]] == [ident, appended.get_json()["topicActionID"]]
    assert admin.get(f"/api/TopicActions?actionId={world['actions'][1]}").get_json()["totalCount"] == 1
    assert admin.get(f"/api/TopicActions?topicId={world['topics'][1]}").get_json()["totalCount"] == 0
    assert admin.get("/api/TopicActions?isActive=false").get_json()["totalCount"] == 0
    assert admin.get("/api/TopicActions?sortBy=ActionName&sortOrder=desc").get_json()["items"][0]["actionName"] == "Action 1"

    assert admin.delete(f"/api/TopicActions/{ident}").status_code == 204
    assert admin.get(f"/api/TopicActions/{ident}").status_code == 404


def test_topic_action_special_topic_and_rules(admin, world):
    ok = admin.post("/api/TopicActions", json={"specialTopic": "Unknown", "actionID": world["actions"][0]})
    assert ok.status_code == 201 and ok.get_json()["specialTopic"] == "Unknown"
    for body, field in (
        ({"actionID": world["actions"][0]}, "topicID"),
        ({"topicID": world["topics"][0], "specialTopic": "X", "actionID": world["actions"][0]}, "specialTopic"),
        ({"topicID": world["topics"][0]}, "actionID"),
        ({"topicID": 999999, "actionID": world["actions"][0]}, "topicID"),
        ({"topicID": world["topics"][0], "channelID": 999999, "actionID": world["actions"][0]}, "channelID"),
        ({"topicID": world["topics"][0], "actionID": 999999}, "actionID"),
        ({"topicID": world["topics"][0], "actionID": world["actions"][0], "priority": -1}, "priority"),
        ({"topicID": world["topics"][0], "actionID": world["actions"][0], "priority": "high"}, "priority"),
    ):
        response = admin.post("/api/TopicActions", json=body)
        assert response.status_code == 400, body
        assert field in response.get_json()["errors"], (body, response.get_json())


def test_duplicates_are_409(admin, world):
    body = {"topicID": world["topics"][0], "actionID": world["actions"][0]}
    assert admin.post("/api/TopicActions", json=body).status_code == 201
    duplicate = admin.post("/api/TopicActions", json=body)
    assert duplicate.status_code == 409 and duplicate.get_json()["status"] == 409
    # the same action on another channel is another list: fine
    assert admin.post("/api/TopicActions", json={**body, "channelID": world["channels"][0]}).status_code == 201
    link_hook(admin, "OnClose", world["actions"][0])
    again = admin.post("/api/HookActions", json={"hookName": "OnClose", "actionID": world["actions"][0]})
    assert again.status_code == 409


def test_priority_update_rules(admin, world):
    ident = link_hook(admin, "OnClose", world["actions"][0])["hookActionID"]
    assert admin.put(f"/api/HookActions/{ident}", json={"hookActionID": ident, "priority": 0}).status_code == 204
    for body in ({}, {"priority": None}, {"priority": -5}, {"priority": "1"}, {"priority": 3, "hookName": "PreSpam"},
                 {"hookActionID": ident + 1, "priority": 3}):
        response = admin.put(f"/api/HookActions/{ident}", json=body)
        assert response.status_code == 400, body
    assert admin.put("/api/HookActions/999999", json={"priority": 1}).status_code == 404
    assert admin.get(f"/api/HookActions/{ident}").get_json()["priority"] == 0


def test_bulk_is_all_or_nothing(admin, world):
    topic = world["topics"][0]
    good = [{"topicID": topic, "actionID": a} for a in world["actions"]]
    bad = [*good[:2], {"topicID": topic, "actionID": 999999}]
    response = admin.post("/api/TopicActions/bulk", json=bad)
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["[2].actionID"]
    assert admin.get("/api/TopicActions").get_json()["totalCount"] == 0

    duplicate_inside = [*good[:2], good[0]]
    conflict = admin.post("/api/TopicActions/bulk", json=duplicate_inside)
    assert conflict.status_code == 409 and conflict.get_json()["index"] == 2
    assert admin.get("/api/TopicActions").get_json()["totalCount"] == 0

    created = admin.post("/api/TopicActions/bulk", json=good)
    assert created.status_code == 201
    assert [i["priority"] for i in created.get_json()] == [10, 20, 30]
    assert admin.get("/api/TopicActions").get_json()["totalCount"] == 3

    for body in ({"items": good}, [], ["x"], [{"hookName": "Nope", "actionID": 1}]):
        assert admin.post("/api/HookActions/bulk", json=body).status_code == 400, body
    hooks = admin.post("/api/HookActions/bulk", json=[{"hookName": "PreSpam", "actionID": a} for a in world["actions"]])
    assert hooks.status_code == 201 and len(hooks.get_json()) == 3


# ---- HookActions ----------------------------------------------------------------------------

def test_hook_list_needs_hook_name_or_action_id(admin, world):
    link_hook(admin, "PreSpam", world["actions"][0])
    assert admin.get("/api/HookActions").status_code == 400
    assert admin.get("/api/HookActions?channelId=1").status_code == 400
    assert admin.get("/api/HookActions?hookName=Nope").status_code == 400
    assert admin.get("/api/HookActions?hookName=PreSpam").get_json()["totalCount"] == 1
    assert admin.get(f"/api/HookActions?actionId={world['actions'][0]}").get_json()["totalCount"] == 1


def test_all_thirteen_hook_names_and_no_other(admin, world):
    from app.actions.models import HOOK_NAMES

    assert len(HOOK_NAMES) == 13
    for hook in HOOK_NAMES:
        link_hook(admin, hook, world["actions"][0])
    assert admin.post("/api/HookActions", json={"hookName": "OnBirthday", "actionID": world["actions"][0]}).status_code == 400
    assert admin.post("/api/HookActions", json={"hookName": "prespam", "actionID": world["actions"][1]}).status_code == 400


def test_wait_seconds_sums_active_waits_for_channel_and_every_channel(admin, world):
    mail, phone = world["channels"]
    wait30, wait15 = world["waits"]
    hook = "PostTopicDetection"
    link_hook(admin, hook, wait30)                 # every channel
    link_hook(admin, hook, world["actions"][0])    # not a Wait
    link_hook(admin, hook, wait15, channel=mail)   # mail only
    link_hook(admin, "OnClose", wait15)            # another hook

    def total(query):
        response = admin.get(f"/api/HookActions/wait-seconds?{query}")
        assert response.status_code == 200
        return response.get_json()["totalWaitSeconds"]

    assert total(f"channelId={mail}&hookName={hook}") == 45
    assert total(f"channelId={phone}&hookName={hook}") == 30
    assert total(f"hookName={hook}") == 30
    assert total("hookName=OnClose") == 15
    assert total("hookName=PreSpam") == 0
    admin.put(f"/api/Actions/{wait30}", json={"actionID": wait30, "isActive": False})
    assert total(f"channelId={mail}&hookName={hook}") == 15
    assert admin.get("/api/HookActions/wait-seconds").status_code == 400
    assert admin.get("/api/HookActions/wait-seconds?hookName=Nope").status_code == 400
    assert admin.get(f"/api/HookActions/wait-seconds?hookName={hook}&channelId=x").status_code == 400
    assert admin.get(f"/api/HookActions/wait-seconds?hookName={hook}&channelId=999999").status_code == 404


# ---- Reorder ----------------------------------------------------------------------------------

def test_reorder_rewrites_priorities(admin, world):
    ids = [link_hook(admin, "OnEscalate", a, priority=p)["hookActionID"] for a, p in zip(world["actions"], (5, 7, 100))]
    link_hook(admin, "OnEscalate", world["waits"][0], channel=world["channels"][0])  # another list
    new = [ids[2], ids[0], ids[1]]
    response = admin.post("/api/HookActions/reorder", json={"ids": new})
    assert response.status_code == 200
    assert [(i["hookActionID"], i["priority"]) for i in response.get_json()] == list(zip(new, (10, 20, 30)))
    assert order(admin, "OnEscalate") == list(zip(new, (10, 20, 30)))


def test_topic_reorder(admin, world):
    ids = [admin.post("/api/TopicActions", json={"topicID": world["topics"][1], "actionID": a}).get_json()["topicActionID"]
           for a in world["actions"]]
    response = admin.post("/api/TopicActions/reorder", json={"ids": ids[::-1]})
    assert response.status_code == 200
    assert [i["topicActionID"] for i in response.get_json()] == ids[::-1]


def test_stale_reorder_is_409_and_changes_nothing(admin, world):
    ids = [link_hook(admin, "OnClose", a)["hookActionID"] for a in world["actions"]]
    before = order(admin, "OnClose")
    added = link_hook(admin, "OnClose", world["waits"][0])["hookActionID"]   # someone added one meanwhile
    response = admin.post("/api/HookActions/reorder", json={"ids": ids[::-1]})
    assert response.status_code == 409
    assert response.get_json()["currentOrder"] == [*ids, added]
    assert order(admin, "OnClose") == [*before, (added, 40)]

    admin.delete(f"/api/HookActions/{ids[0]}")                             # ... and removed one
    stale = admin.post("/api/HookActions/reorder", json={"ids": [added, *ids]})
    assert stale.status_code == 409 and stale.get_json()["currentOrder"] == [ids[1], ids[2], added]


def test_reorder_bad_bodies(admin, world):
    a = link_hook(admin, "OnClose", world["actions"][0])["hookActionID"]
    b = link_hook(admin, "PreSpam", world["actions"][0])["hookActionID"]
    for body in ({}, {"ids": []}, {"ids": [a, a]}, {"ids": ["1"]}, {"ids": [a, b]}, {"ids": [a], "x": 1}):
        assert admin.post("/api/HookActions/reorder", json=body).status_code == 400, body
    assert admin.post("/api/HookActions/reorder", json={"ids": [999999]}).status_code == 404


@pytest.mark.parametrize("ids", [[2**63], [2**31], [10**30]])
def test_reorder_with_ids_beyond_integer_range_is_not_found(admin, world, ids):
    """Found by fuzzing: these were a 500 (the database could not convert them)."""
    assert admin.post("/api/HookActions/reorder", json={"ids": ids}).status_code == 404
    a = link_hook(admin, "OnClose", world["actions"][0])["hookActionID"]
    stale = admin.post("/api/HookActions/reorder", json={"ids": [a, *ids]})
    assert stale.status_code == 409 and stale.get_json()["currentOrder"] == [a]


@pytest.mark.parametrize("query", ["TopicActions?topicId=9223372036854775808", "TopicActions?channelId=3000000000",
                                   "HookActions?actionId=100000000000000000000000000000"])
def test_list_filters_beyond_integer_range_match_nothing(admin, world, query):
    """Found by fuzzing: these were a 500."""
    link_hook(admin, "OnClose", world["actions"][0])
    response = admin.get(f"/api/{query}")
    assert response.status_code == 200 and response.get_json()["items"] == []


def test_agents_may_use_links_but_phone_tokens_may_not(api, admin, world, tenant_a, client, in_app):
    from app.auth.passwords import hash_password
    from app.channels.models import Channel

    agent = api(tenant_a.agent)
    assert agent.post("/api/HookActions", json={"hookName": "OnClose", "actionID": world["actions"][0]}).status_code == 201
    assert api().get("/api/HookActions?hookName=OnClose").status_code == 401
    phone_id = world["channels"][1]
    with in_app():
        db.session.get(Channel, phone_id).secret_hash = hash_password("s3cret")
        db.session.commit()
    token = client.post("/api/Auth/phone-login", json={"channelID": phone_id, "channelSecret": "s3cret"}).get_json()["token"]
    phone = api()
    phone.token = token
    assert phone.get("/api/HookActions?hookName=OnClose").status_code == 403
    assert phone.get("/api/Actions/available").status_code == 200


# ---- Isolation --------------------------------------------------------------------------------

def test_other_tenant_gets_404_on_every_link_route_and_nothing_changes(api, admin, world, tenant_b):
    hook = link_hook(admin, "OnClose", world["actions"][0])["hookActionID"]
    topic = admin.post("/api/TopicActions", json={"topicID": world["topics"][0], "actionID": world["actions"][0]}).get_json()["topicActionID"]
    other = api(tenant_b.admin)
    for kind, ident in (("HookActions", hook), ("TopicActions", topic)):
        assert other.get(f"/api/{kind}/{ident}").status_code == 404
        assert other.put(f"/api/{kind}/{ident}", json={"priority": 1}).status_code == 404
        assert other.delete(f"/api/{kind}/{ident}").status_code == 404
        assert other.post(f"/api/{kind}/reorder", json={"ids": [ident]}).status_code == 404
    assert other.get(f"/api/HookActions?actionId={world['actions'][0]}").get_json()["totalCount"] == 0
    assert other.get("/api/TopicActions").get_json()["totalCount"] == 0
    # linking to another tenant's action, topic or channel: the id is simply unknown
    refused = other.post("/api/TopicActions", json={"topicID": world["topics"][0], "actionID": world["actions"][0]})
    assert refused.status_code == 400 and set(refused.get_json()["errors"]) == {"topicID", "actionID"}
    assert other.get(f"/api/HookActions/wait-seconds?hookName=OnClose&channelId={world['channels'][0]}").status_code == 404
    assert admin.get(f"/api/HookActions/{hook}").get_json()["priority"] == 10
    assert admin.get(f"/api/TopicActions/{topic}").get_json()["priority"] == 10


# ---- Concurrency ------------------------------------------------------------------------------

def test_parallel_reorders_end_in_one_submitted_order(app, admin, world, tenant_a, in_app):
    """Many reorders of one list at once: the result is exactly one of them, no link lost or doubled."""
    ids = [link_hook(admin, "PostSpam", a)["hookActionID"] for a in [*world["actions"], *world["waits"]]]
    orders = [list(p) for p in itertools.islice(itertools.permutations(ids), 3, 300, 23)]
    token = admin.token
    statuses, barrier = [], threading.Barrier(len(orders))

    def send(new_order):
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/HookActions/reorder", json={"ids": new_order},
                               headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * len(orders)

    with in_app():
        rows = db.session.execute(
            db.select(HookAction.id, HookAction.priority)
            .where(HookAction.customer_id == tenant_a.id, HookAction.hook_name == "PostSpam")
            .order_by(HookAction.priority, HookAction.id)).all()
    final = [r.id for r in rows]
    assert sorted(final) == sorted(ids)                                # none lost, none doubled
    assert [r.priority for r in rows] == [10, 20, 30, 40, 50]          # a clean rewrite
    assert final in orders                                             # exactly one submitted order



def test_a_50_link_reorder_is_one_update_and_one_query_for_the_answer(app, admin, world):
    from sqlalchemy import event

    actions = [admin.post("/api/Actions", json={"name": f"Step {i}", "actionType": "Close"}).get_json()["actionID"]
               for i in range(50)]
    ids = [link_hook(admin, "OnEscalate", a)["hookActionID"] for a in actions]
    seen = []

    def keep(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        response = admin.post("/api/HookActions/reorder", json={"ids": ids[::-1]})
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert response.status_code == 200
    assert [i["hookActionID"] for i in response.get_json()] == ids[::-1]
    assert [i["priority"] for i in response.get_json()] == list(range(10, 510, 10))
    updates = [s for s in seen if s.startswith("UPDATE hook_action")]
    assert len(updates) == 1 and "CASE" in updates[0]
    audit = next(i for i, s in enumerate(seen) if s.startswith("INSERT INTO audit_event"))
    assert len(seen[audit + 1:]) == 1 and seen[audit + 1].startswith("SELECT hook_action.")  # the answer, no lazy loads
    assert len(seen) <= 10, seen  # was 155: 50 single-row UPDATEs and 100 lazy loads
