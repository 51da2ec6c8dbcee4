"""Races through a live server: colliding requests answer 409 (or a form error), never 500, and
leave the database consistent.

Real HTTP against the app on loopback (`live_server`, a thread per connection), not the test
client: every racer opens its own connection first, then all of them wait on one Barrier and send
at once. Each race runs ROUNDS times with new names; the database is checked after every round.
Standard library HTTP only (http.client), so that no dependency is added.
"""
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.actions.models import Action, TopicAction
from app.channels.models import Channel
from app.customers.models import CustomerSecret
from app.end_users.models import EndUser, EndUserUID
from app.topics.models import Topic
from tests.live_http import Answer, Call, Caller, api_token, race, signed_in

N = 12        # racers per round
ROUNDS = 5    # rounds per race, new names each round
PROBLEM = "application/problem+json"


def statuses(answers: list[Answer], allowed: set[int], what: str, api: bool = True) -> Counter:
    """The status counts; never a 500, only `allowed` statuses, every API 409 a problem+json."""
    counts = Counter(a.status for a in answers)
    shown = dict(sorted(counts.items()))
    assert 500 not in counts, f"{what}: {len(answers)} racing requests answered {shown} (the server log has the 500s)"
    assert set(counts) <= allowed, f"{what}: answered {shown}, expected only {sorted(allowed)}"
    if api:
        wrong = [a.content_type for a in answers if a.status == 409 and a.content_type != PROBLEM]
        assert not wrong, f"{what}: 409 answers with Content-Type {wrong}, expected {PROBLEM}"
    return counts


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:8]}"


# ---- Fixtures -----------------------------------------------------------------------------

@pytest.fixture
def admin_api(live_server, tenant_a):
    """Factory: a new API Caller (own connection state) with the tenant admin's token."""
    token = api_token(live_server, tenant_a.admin)
    return lambda: Caller(live_server, token)


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


# ---- 1, 2: the same name created N times at once --------------------------------------------

@pytest.mark.parametrize("path, model, id_field, extra", [
    ("/api/Topics", Topic, "topicID", {}),
    ("/api/Channels", Channel, "channelID", {"channelType": "Email"}),
], ids=["topic", "channel"])
def test_duplicate_name_answers_one_201_and_409s(admin_api, in_app, tenant_a, path, model, id_field, extra):
    for round_no in range(ROUNDS):
        name = unique(f"Race {round_no}")
        answers = race([Call(admin_api(), "POST", path, {"name": name, **extra}) for _ in range(N)])
        counts = statuses(answers, {201, 409}, f"round {round_no}: {N} x POST {path} with one name")
        assert counts[201] == 1, f"round {round_no}: {dict(counts)}, expected exactly one 201"
        for answer in answers:
            if answer.status == 409:
                assert name in answer.json()["title"], answer.json()
        created = next(a for a in answers if a.status == 201).json()[id_field]
        with in_app() as session:
            ids = session.scalars(select(model.id).where(model.customer_id == tenant_a.id, model.name == name)).all()
            assert ids == [created], f"round {round_no}: rows named {name!r}: {ids}"


# ---- 3: the first secret set N times at once -----------------------------------------------

def test_first_secret_set_in_parallel_is_stored_once(admin_api, in_app, tenant_a):
    admin = admin_api()
    for round_no in range(ROUNDS):
        me = admin.send("GET", "/api/Customers/me")
        assert me.status == 200 and "openAIApiKey" not in me.json()["configuredSecrets"], me.text
        keys = [f"sk-race-{round_no}-{i}-{uuid.uuid4().hex}" for i in range(N)]
        answers = race([Call(admin_api(), "PUT", "/api/Customers/me", {"openAIApiKey": key}) for key in keys])
        statuses(answers, {204, 409}, f"round {round_no}: {N} x PUT /api/Customers/me setting openAIApiKey")

        configured = admin.send("GET", "/api/Customers/me").json()["configuredSecrets"]
        assert configured.count("openAIApiKey") == 1, configured
        saved = {key for key, answer in zip(keys, answers) if answer.status == 204}
        with in_app() as session:
            rows = session.scalars(select(CustomerSecret).where(
                CustomerSecret.customer_id == tenant_a.id, CustomerSecret.name == "openAIApiKey")).all()
            assert len(rows) == 1, f"round {round_no}: {len(rows)} customer_secret rows for openAIApiKey"
            assert rows[0].value in saved, "the stored key is not one whose PUT answered 204"
        assert admin.send("PUT", "/api/Customers/me", {"openAIApiKey": ""}).status == 204  # next round starts unset


# ---- 4: an action deleted while links to it are added -----------------------------------------

def test_delete_action_while_links_are_added(admin_api, in_app, tenant_a):
    admin = admin_api()
    for round_no in range(ROUNDS):
        created = admin.send("POST", "/api/Actions", {"name": unique(f"Close {round_no}"), "actionType": "Close"})
        assert created.status == 201, created.text
        action_id = created.json()["actionID"]
        topics = []
        for i in range(N - 1):
            topic = admin.send("POST", "/api/Topics", {"name": unique(f"Topic {round_no}.{i}")})
            assert topic.status == 201, topic.text
            topics.append(topic.json()["topicID"])

        links = [Call(admin_api(), "POST", "/api/TopicActions", {"topicID": t, "actionID": action_id}) for t in topics]
        deletion = Call(admin_api(), "DELETE", f"/api/Actions/{action_id}")
        calls = links[:round_no % N] + [deletion] + links[round_no % N:]  # the delete's place varies
        what = f"round {round_no}: DELETE /api/Actions/{action_id} against {N - 1} x POST /api/TopicActions"
        statuses(race(calls), {201, 204, 409, 400}, what)

        assert deletion.answer.status in (204, 409), f"{what}: the delete answered {deletion.answer.status}"
        link_counts = Counter(call.answer.status for call in links)
        assert set(link_counts) <= {201, 409, 400}, f"{what}: links answered {dict(link_counts)}"
        for call in links:
            if call.answer.status == 400:
                assert "actionID" in (call.answer.json().get("errors") or {}), call.answer.text
        with in_app() as session:
            exists = session.get(Action, action_id) is not None
            rows = count(session, TopicAction, TopicAction.customer_id == tenant_a.id,
                         TopicAction.action_id == action_id)
        state = (f"{what}: delete {deletion.answer.status}, links {dict(link_counts)}; "
                 f"afterwards action exists={exists}, {rows} topic_action rows point to it")
        if exists:
            assert deletion.answer.status == 409, state
        else:
            assert deletion.answer.status == 204 and rows == 0, state
        assert rows == link_counts[201], state  # every 201 is a link that is still there
        if link_counts[400]:
            assert deletion.answer.status == 204, state  # "no such action" only once it is gone


# ---- 5: the dashboard's new-end-user form, one identifier N times at once -----------------------

def test_dashboard_new_end_users_with_one_identifier(live_server, in_app, tenant_a):
    with ThreadPoolExecutor(4) as pool:  # N Argon2 verifications: in parallel to save time
        sessions = list(pool.map(lambda _: signed_in(live_server, tenant_a.admin), range(N)))
    api = Caller(live_server, api_token(live_server, tenant_a.admin))
    for round_no in range(ROUNDS):
        email = f"race-{round_no}-{uuid.uuid4().hex[:8]}@example.com"
        with in_app() as session:
            before = count(session, EndUser, EndUser.customer_id == tenant_a.id)
        calls = [Call(s, "POST", "/end-users/new", form={
            "firstname": f"Racer{i}", "lastname": f"Round {round_no}", "customerType": "Lead",
            "uids-0-uidType": "Email", "uids-0-uid": email, "primary": "0"}) for i, s in enumerate(sessions)]
        what = f"round {round_no}: {N} dashboard sessions x POST /end-users/new with {email}"
        counts = statuses(race(calls), {302, 400}, what, api=False)
        assert counts[302] == 1, f"{what}: {dict(counts)}, expected exactly one 302 (created)"

        location = next(c.answer for c in calls if c.answer.status == 302).headers["Location"]
        with in_app() as session:
            owners = session.scalars(select(EndUserUID.end_user_id).where(
                EndUserUID.customer_id == tenant_a.id, EndUserUID.uid_type == "Email",
                EndUserUID.uid_lookup == email)).all()
            after = count(session, EndUser, EndUser.customer_id == tenant_a.id)
            bare = count(session, EndUser, EndUser.customer_id == tenant_a.id,
                         ~select(EndUserUID.id).where(EndUserUID.end_user_id == EndUser.id).exists())
        assert len(owners) == 1 and location.endswith(f"/end-users/{owners[0]}"), (what, owners, location)
        assert after == before + 1, f"{what}: {after - before} end users were added"
        assert bare == 0, f"{what}: {bare} end users without any identifier were left"
        found = api.send("GET", f"/api/EndUsers/byUid?uid={email}")
        assert found.status == 200 and [u["endUserID"] for u in found.json()] == owners, found.text
