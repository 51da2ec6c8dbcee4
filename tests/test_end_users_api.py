"""/api/EndUsers, /api/EndUsers/byUid, /api/EndUsers/{id}/tickets and /api/EndUserUIDs/assign."""
from datetime import datetime, timedelta

import pytest

from app.channels.models import Channel
from app.end_users.models import EndUser, EndUserUID
from app.tickets.models import Ticket, TicketMessage, ticket_topic
from app.topics.models import Topic

JANE = {
    "firstname": "Jane", "lastname": "Doe", "customerRef": "ERP-3049353", "customerType": "Customer",
    "lang": "nl", "country": "BE", "company": "Acme NV", "city": "Antwerp",
    "uids": [{"uidType": "Email", "uid": "jane@example.com", "isPrimary": True}],
}


@pytest.fixture
def client_a(api, tenant_a):
    return api(tenant_a.admin)


@pytest.fixture
def client_b(api, tenant_b):
    return api(tenant_b.admin)


def create(client, **fields):
    body = {**JANE, **fields}
    response = client.post("/api/EndUsers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def errors_of(response, status=400):
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    return response.get_json().get("errors", {})


# ---- POST /api/EndUsers ---------------------------------------------------------------------

def test_create_returns_201_with_the_read_dto(client_a, tenant_a):
    response = client_a.post("/api/EndUsers", json=JANE)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/EndUsers/{body['endUserID']}")
    assert body["customerID"] == tenant_a.id
    assert body["name"] == "Jane Doe"
    assert body["customerType"] == "Customer"
    assert body["lastInteractionDate"] is None
    assert body["uids"] == [{"endUserUIDID": body["uids"][0]["endUserUIDID"], "endUserID": body["endUserID"],
                             "uidType": "Email", "uid": "jane@example.com", "isPrimary": True}]


@pytest.mark.parametrize("value", [None, ""])
def test_empty_customer_type_defaults_to_lead_on_create(client_a, value):
    body = {k: v for k, v in JANE.items() if k != "customerType"}
    if value is not None:
        body["customerType"] = value
    assert client_a.post("/api/EndUsers", json=body).get_json()["customerType"] == "Lead"


def test_create_with_only_a_name_and_no_uids(client_a):
    response = client_a.post("/api/EndUsers", json={"firstname": "Solo"})
    assert response.status_code == 201
    assert response.get_json()["uids"] == []


def test_identifiers_are_normalised_on_create(client_a):
    body = create(client_a, country="nl", uids=[
        {"uidType": "Email", "uid": "  Jane.Doe@Example.com  "},
        {"uidType": "phone", "uid": "06 12 34 56 78", "isPrimary": True},
        {"uidType": "WhatsApp", "uid": "whatsapp:+32 470 12 34 56"},
        {"uidType": "  CRM ", "uid": "  id-42  "},
    ])
    got = {(u["uidType"], u["uid"]) for u in body["uids"]}
    assert got == {("Email", "Jane.Doe@example.com"), ("Phone", "+31612345678"),
                   ("WhatsApp", "+32470123456"), ("CRM", "id-42")}
    assert body["country"] == "NL"
    assert [u["uidType"] for u in body["uids"] if u["isPrimary"]] == ["Phone"]


def test_phone_region_defaults_to_belgium(client_a):
    body = create(client_a, country=None, uids=[{"uidType": "Phone", "uid": "0470/12.34.56"}])
    assert body["uids"][0]["uid"] == "+32470123456"
    assert body["uids"][0]["isPrimary"] is True  # the only identifier becomes primary


def test_empty_uid_type_means_email(client_a):
    body = create(client_a, uids=[{"uidType": "", "uid": "x@example.com"}])
    assert body["uids"][0]["uidType"] == "Email"


@pytest.mark.parametrize("field, value, key", [
    ("customerType", "Employee", "customerType"),
    ("customerType", "lead", "customerType"),
    ("customerRef", "x" * 255, "customerRef"),
    ("country", "BEL", "country"),
    ("country", "1A", "country"),
    ("lang", "nl-BE-x", "lang"),
    ("firstname", "x" * 101, "firstname"),
    ("firstname", 12345, "firstname"),
    ("uids", {}, "uids"),
    ("uids", "jane@example.com", "uids"),
    ("isAdmin", True, "isAdmin"),
])
def test_create_rejects_bad_profile_fields(client_a, field, value, key):
    errors = errors_of(client_a.post("/api/EndUsers", json={**JANE, field: value}))
    assert key in errors


@pytest.mark.parametrize("uid, key", [
    ({"uidType": "Email", "uid": "not-an-email"}, "uids[1].uid"),
    ({"uidType": "Email", "uid": "two@@example.com"}, "uids[1].uid"),
    ({"uidType": "Phone", "uid": "call me maybe"}, "uids[1].uid"),
    ({"uidType": "Phone", "uid": "12345"}, "uids[1].uid"),
    ({"uidType": "WhatsApp", "uid": "+999 12"}, "uids[1].uid"),
    ({"uidType": "Email", "uid": ""}, "uids[1].uid"),
    ({"uidType": "Email", "uid": "   "}, "uids[1].uid"),
    ({"uidType": "Email"}, "uids[1].uid"),
    ({"uidType": "x" * 21, "uid": "abc"}, "uids[1].uidType"),
    ({"uidType": "Email", "uid": "b@example.com", "isPrimary": "yes"}, "uids[1].isPrimary"),
    ({"uidType": "Email", "uid": "b@example.com", "markAsDeleted": True}, "uids[1].markAsDeleted"),
    ({"uidType": "Email", "uid": 42}, "uids[1].uid"),
])
def test_create_rejects_bad_identifiers_on_the_exact_row(client_a, uid, key):
    body = {**JANE, "uids": [{"uidType": "Email", "uid": "a@example.com"}, uid]}
    errors = errors_of(client_a.post("/api/EndUsers", json=body))
    assert key in errors, errors
    assert client_a.get("/api/EndUsers").get_json()["totalCount"] == 0


def test_the_same_identifier_twice_in_one_request_is_400(client_a):
    body = {**JANE, "uids": [{"uidType": "Email", "uid": "a@example.com"}, {"uidType": "Email", "uid": " A@EXAMPLE.com"}]}
    assert "uids[1].uid" in errors_of(client_a.post("/api/EndUsers", json=body))


def test_two_primaries_is_400(client_a):
    body = {**JANE, "uids": [{"uid": "a@example.com", "isPrimary": True}, {"uid": "b@example.com", "isPrimary": True}]}
    assert "uids[1].isPrimary" in errors_of(client_a.post("/api/EndUsers", json=body))


def test_same_number_as_phone_and_whatsapp_is_allowed(client_a):
    body = create(client_a, uids=[{"uidType": "Phone", "uid": "+32470123456"}, {"uidType": "WhatsApp", "uid": "0470123456"}])
    assert len(body["uids"]) == 2


def test_identifier_of_another_end_user_is_409_naming_them(client_a):
    jane = create(client_a)
    response = client_a.post("/api/EndUsers", json={"firstname": "John", "uids": [
        {"uid": "john@example.com"}, {"uidType": "Email", "uid": "JANE@example.COM"}]})
    assert response.status_code == 409
    body = response.get_json()
    assert "Jane Doe" in body["title"] and f"endUserID {jane['endUserID']}" in body["title"]
    assert body["conflicts"] == [{"field": "uids[1].uid", "uidType": "Email", "uid": "JANE@example.com",
                                  "endUserID": jane["endUserID"], "name": "Jane Doe"}]
    assert "uids[1].uid" in body["errors"]
    assert client_a.get("/api/EndUsers").get_json()["totalCount"] == 1


def test_malformed_bodies(client_a):
    assert client_a.post("/api/EndUsers", data="{nope", content_type="application/json").status_code == 400
    assert client_a.post("/api/EndUsers", json=[JANE]).status_code == 400
    assert client_a.post("/api/EndUsers", data="firstname=Jane").status_code == 415
    assert client_a.post("/api/EndUsers", data="", content_type="application/json").status_code == 400


# ---- GET /api/EndUsers/{id} -----------------------------------------------------------------

def test_get_one(client_a):
    jane = create(client_a)
    response = client_a.get(f"/api/EndUsers/{jane['endUserID']}")
    assert response.status_code == 200
    assert response.get_json() == jane


def test_get_unknown_is_404(client_a):
    response = client_a.get("/api/EndUsers/999999")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


# ---- GET /api/EndUsers ----------------------------------------------------------------------

def test_list_defaults(client_a):
    for n in range(12):
        create(client_a, firstname=f"P{n:02d}", customerRef=None, uids=[{"uid": f"p{n}@example.com"}])
    body = client_a.get("/api/EndUsers").get_json()
    assert (body["pageNumber"], body["pageSize"], body["totalCount"], body["totalPages"]) == (1, 10, 12, 2)
    ids = [u["endUserID"] for u in body["items"]]
    assert ids == sorted(ids)  # endUserID ascending by default
    page2 = client_a.get("/api/EndUsers?pageNumber=2").get_json()
    assert len(page2["items"]) == 2


@pytest.mark.parametrize("query, key", [
    ("pageNumber=0", "pageNumber"), ("pageSize=0", "pageSize"), ("pageSize=101", "pageSize"),
    ("pageSize=ten", "pageSize"), ("sortBy=password", "sortBy"), ("sortOrder=up", "sortOrder"),
    ("ids=1,x", "ids"), ("customerType=Boss", "customerType"),
])
def test_list_rejects_bad_query(client_a, query, key):
    assert key in errors_of(client_a.get(f"/api/EndUsers?{query}"))


def test_list_sorting(client_a):
    for name in ("bravo", "Alpha", "charlie"):
        create(client_a, lastname=name, customerRef=None, uids=[])
    names = lambda q: [u["lastname"] for u in client_a.get(f"/api/EndUsers?{q}").get_json()["items"]]  # noqa: E731
    assert names("sortBy=LASTNAME") == ["Alpha", "bravo", "charlie"]
    assert names("sortBy=lastname&sortOrder=desc") == ["charlie", "bravo", "Alpha"]


def test_list_search(client_a):
    jane = create(client_a, otherContactDetails="prefers mornings", uids=[
        {"uid": "jane@example.com"}, {"uidType": "Phone", "uid": "+32 470 12 34 56"}])
    create(client_a, firstname="Max", lastname="Power", company="Globex", city="Ghent", customerRef="CRM-ERP-1", uids=[
        {"uid": "max@example.org"}])
    found = lambda term: [u["firstname"] for u in client_a.get("/api/EndUsers", query_string={"search": term}).get_json()["items"]]  # noqa: E731
    assert found("jane") == ["Jane"]
    assert found("DOE") == ["Jane"]
    assert found("jane doe") == ["Jane"]
    assert found("acme") == ["Jane"]
    assert found("antw") == ["Jane"]
    assert found("mornings") == ["Jane"]
    assert found("example.org") == ["Max"]
    assert found("ERP-30") == ["Jane"]  # customerRef prefix
    assert found("ERP-1") == []  # customerRef matches by prefix only
    assert found("0470 12 34 56") == ["Jane"]  # a phone number in another format
    assert found("100%") == []
    assert sorted(found("")) == ["Jane", "Max"]
    assert jane["endUserID"]


def test_list_ids_and_type_filters(client_a):
    a = create(client_a, customerType="Partner", customerRef=None, uids=[])
    b = create(client_a, customerType="Lead", customerRef=None, uids=[])
    create(client_a, customerType="Lead", customerRef=None, uids=[])
    ids = client_a.get(f"/api/EndUsers?ids={a['endUserID']},{b['endUserID']}").get_json()
    assert {u["endUserID"] for u in ids["items"]} == {a["endUserID"], b["endUserID"]}
    partners = client_a.get("/api/EndUsers?customerType=partner").get_json()
    assert [u["endUserID"] for u in partners["items"]] == [a["endUserID"]]


def test_ids_beyond_integer_range_match_nothing(client_a):
    """Found by fuzzing: ids=9223372036854775808 was a 500."""
    create(client_a, uids=[])
    for ids in ("9223372036854775808", "3000000000", "100000000000000000000000000000"):
        response = client_a.get(f"/api/EndUsers?ids={ids}")
        assert response.status_code == 200 and response.get_json()["items"] == [], ids


def test_page_numbers_far_past_the_end_are_empty_pages(client_a):
    """Found by fuzzing: an OFFSET beyond the database's integers was a 500."""
    create(client_a, uids=[])
    for number in (2**31, 2**63, 10**30):
        response = client_a.get(f"/api/EndUsers?pageNumber={number}")
        assert response.status_code == 200, number
        assert response.get_json()["items"] == [] and response.get_json()["totalCount"] == 1


# ---- Tickets helpers ------------------------------------------------------------------------

def add_channel(in_app, tenant, kind="Email", name=None) -> int:
    with in_app() as session:
        channel = Channel(customer_id=tenant.id, name=name or f"{kind} channel", channel_type=kind)
        session.add(channel)
        session.commit()
        return channel.id


def add_ticket(in_app, tenant, channel_id, uid=None, ref=None, when=None, messages=(), topics=(), **fields) -> int:
    """messages: (sender, minutes after `when`, escalated feedback or None)."""
    when = when or datetime(2026, 1, 1, 12, 0)
    with in_app() as session:
        ticket = Ticket(customer_id=tenant.id, channel_id=channel_id, uid=uid, customer_ref=ref,
                        subject=fields.pop("subject", "Help"), created_date=when, **fields)
        last = None
        for sender, minutes, feedback in messages:
            last = when + timedelta(minutes=minutes)
            ticket.messages.append(TicketMessage(customer_id=tenant.id, sender=sender, created_date=last,
                                                 body=f"{sender} says hello", is_escalated=feedback is not None,
                                                 ai_feedback_comment=feedback))
        ticket.last_message_date = last or when
        session.add(ticket)
        session.flush()
        for name in topics:
            topic = session.query(Topic).filter_by(customer_id=tenant.id, name=name).one_or_none()
            if topic is None:
                topic = Topic(customer_id=tenant.id, name=name)
                session.add(topic)
                session.flush()
            session.execute(ticket_topic.insert().values(customer_id=tenant.id, ticket_id=ticket.id, topic_id=topic.id))
        session.commit()
        return ticket.id


@pytest.fixture
def history(client_a, tenant_a, in_app):
    """Jane with two UIDs and a customerRef, and tickets of her and of someone else."""
    jane = create(client_a, uids=[{"uid": "jane@example.com"}, {"uidType": "Phone", "uid": "0470123456"}])
    mail = add_channel(in_app, tenant_a, "Email")
    phone = add_channel(in_app, tenant_a, "Phone")
    t0 = datetime(2026, 3, 1, 9, 0)
    ids = {
        "mail": add_ticket(in_app, tenant_a, mail, uid="JANE@example.com", when=t0, subject="Invoice wrong",
                           messages=[("EndUser", 1, None), ("AI", 2, "First feedback"), ("Representative", 3, "Second feedback")],
                           topics=["Billing"], customer_rep_id=tenant_a.agent.id),
        "call": add_ticket(in_app, tenant_a, phone, uid="+32470123456", when=t0 + timedelta(days=2), status="Closed",
                           is_closed=True, messages=[("EndUser", 1, None), ("EndUser", 5, None)], subject="Call back"),
        "ref": add_ticket(in_app, tenant_a, mail, ref="ERP-3049353", when=t0 + timedelta(days=1), status="Escalated",
                          is_spam=True, subject="Order by reference", messages=[("AI", 1, None)]),
        "other": add_ticket(in_app, tenant_a, mail, uid="someone@example.com", when=t0 + timedelta(days=3)),
    }
    return jane, ids, {"mail": mail, "phone": phone}


def test_ticket_history_matches_uids_and_ref_newest_first(client_a, history):
    jane, ids, _ = history
    body = client_a.get(f"/api/EndUsers/{jane['endUserID']}/tickets").get_json()
    assert [t["ticketID"] for t in body["items"]] == [ids["call"], ids["ref"], ids["mail"]]
    assert (body["totalCount"], body["pageNumber"], body["pageSize"]) == (3, 1, 10)
    mail = body["items"][2]
    assert mail["topics"] == [{"topicID": mail["topics"][0]["topicID"], "name": "Billing"}]
    assert mail["aiFeedbackComments"] == ["Second feedback", "First feedback"]
    assert mail["lastEndUserMessageID"] is not None
    assert body["items"][0]["lastEndUserMessageID"] is None  # two end-user messages
    assert body["items"][1]["lastEndUserMessageID"] is None  # none
    assert mail["lastMessageDate"] == "2026-03-01T09:03:00Z"
    assert mail["channelType"] == "Email"


def test_last_interaction_date_on_read_dtos_and_sortable(client_a, history):
    jane, _, _ = history
    other = create(client_a, firstname="Nobody", customerRef=None, uids=[{"uid": "nobody@example.com"}])
    assert client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json()["lastInteractionDate"] == "2026-03-03T09:05:00Z"
    items = client_a.get("/api/EndUsers?sortBy=lastInteractionDate&sortOrder=desc").get_json()["items"]
    assert [u["endUserID"] for u in items] == [jane["endUserID"], other["endUserID"]]  # nulls last


@pytest.mark.parametrize("query, expected", [
    ("status=Closed", ["call"]),
    ("status=escalated", ["ref"]),
    ("channelType=Phone", ["call"]),
    ("isClosed=true", ["call"]),
    ("isClosed=false", ["ref", "mail"]),
    ("isSpam=true", ["ref"]),
    ("isSpam=false", ["call", "mail"]),
    ("uid=0470 12 34 56", ["call"]),
    ("uid=jane@EXAMPLE.com", ["mail"]),
    ("uid=someone@example.com", []),
    ("search=invoice", ["mail"]),
    ("search=hello", ["call", "ref", "mail"]),
    ("sortBy=createdDate", ["mail", "ref", "call"]),
    ("sortBy=subject&sortOrder=desc", ["ref", "mail", "call"]),
    ("sortOrder=asc", ["mail", "ref", "call"]),
    ("pageSize=1&pageNumber=2", ["ref"]),
])
def test_ticket_history_filters(client_a, history, query, expected):
    jane, ids, _ = history
    body = client_a.get(f"/api/EndUsers/{jane['endUserID']}/tickets?{query}").get_json()
    assert [t["ticketID"] for t in body["items"]] == [ids[k] for k in expected]


def test_ticket_history_rep_and_channel_ids(client_a, history, tenant_a):
    jane, ids, channels = history
    url = f"/api/EndUsers/{jane['endUserID']}/tickets"
    assert [t["ticketID"] for t in client_a.get(f"{url}?customerRepID={tenant_a.agent.id}").get_json()["items"]] == [ids["mail"]]
    by_channel = client_a.get(f"{url}?channelIDs={channels['phone']}, {channels['mail']}").get_json()
    assert by_channel["totalCount"] == 3
    assert client_a.get(f"{url}?channelIDs={channels['phone']}").get_json()["totalCount"] == 1


def test_ticket_history_ids_beyond_integer_range_match_nothing(client_a, history):
    """Found by fuzzing: these were a 500."""
    url = f"/api/EndUsers/{history[0]['endUserID']}/tickets"
    for query in ("customerRepID=9223372036854775808", "channelIDs=3000000000", "channelIDs=100000000000000000000000"):
        response = client_a.get(f"{url}?{query}")
        assert response.status_code == 200 and response.get_json()["totalCount"] == 0, query


@pytest.mark.parametrize("query, key", [
    ("status=Lost", "status"), ("customerRepID=me", "customerRepID"), ("channelType=Fax", "channelType"),
    ("channelIDs=1;2", "channelIDs"), ("isClosed=maybe", "isClosed"), ("isSpam=1", "isSpam"),
    ("sortBy=body", "sortBy"), ("pageSize=500", "pageSize"),
])
def test_ticket_history_rejects_bad_filters(client_a, history, query, key):
    jane, _, _ = history
    assert key in errors_of(client_a.get(f"/api/EndUsers/{jane['endUserID']}/tickets?{query}"))


def test_ticket_history_of_unknown_end_user_is_404(client_a):
    assert client_a.get("/api/EndUsers/424242/tickets").status_code == 404


# ---- PUT /api/EndUsers/{id} -----------------------------------------------------------------

def test_put_updates_adds_and_removes_uids_in_one_request(client_a):
    jane = create(client_a, uids=[{"uid": "jane@example.com", "isPrimary": True}, {"uidType": "Phone", "uid": "+32470000000"}])
    email, phone = jane["uids"]
    response = client_a.put(f"/api/EndUsers/{jane['endUserID']}", json={
        "firstname": "Janet", "customerType": "",
        "uids": [
            {"endUserUIDID": email["endUserUIDID"], "uidType": "Email", "uid": "jane.new@example.com", "isPrimary": True},
            {"endUserUIDID": phone["endUserUIDID"], "uidType": "Phone", "uid": "+32470000000", "markAsDeleted": True},
            {"uidType": "WhatsApp", "uid": "0470 99 88 77"},
        ],
    })
    assert response.status_code == 204 and response.data == b""
    after = client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json()
    assert after["firstname"] == "Janet"
    assert after["lastname"] == "Doe"  # left out: kept
    assert after["customerType"] == "Customer"  # empty: kept
    assert [(u["uidType"], u["uid"], u["isPrimary"]) for u in after["uids"]] == [
        ("Email", "jane.new@example.com", True), ("WhatsApp", "+32470998877", False)]
    assert after["uids"][0]["endUserUIDID"] == email["endUserUIDID"]


def test_put_null_clears_and_customer_type_changes(client_a):
    jane = create(client_a)
    client_a.put(f"/api/EndUsers/{jane['endUserID']}", json={"company": None, "customerType": "Partner"})
    after = client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json()
    assert after["company"] is None and after["customerType"] == "Partner"
    assert after["uids"] == jane["uids"]  # uids left out: untouched


def test_put_new_row_matching_an_existing_uid_updates_it(client_a):
    jane = create(client_a, uids=[{"uid": "jane@example.com", "isPrimary": True}, {"uid": "second@example.com"}])
    client_a.put(f"/api/EndUsers/{jane['endUserID']}", json={"uids": [{"uid": "SECOND@example.com", "isPrimary": True}]})
    after = client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json()
    assert [(u["uid"], u["isPrimary"]) for u in after["uids"]] == [("SECOND@example.com", True), ("jane@example.com", False)]


def test_put_normalises_phones_with_the_stored_country(client_a):
    jane = create(client_a, country="NL", uids=[])
    client_a.put(f"/api/EndUsers/{jane['endUserID']}", json={"uids": [{"uidType": "Phone", "uid": "06 12 34 56 78"}]})
    assert client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json()["uids"][0]["uid"] == "+31612345678"


@pytest.mark.parametrize("body, key", [
    ({"customerType": "Boss"}, "customerType"),
    ({"country": "Belgium"}, "country"),
    ({"uids": [{"endUserUIDID": 987654, "uid": "x@example.com"}]}, "uids[0].endUserUIDID"),
    ({"uids": [{"endUserUIDID": "one", "uid": "x@example.com"}]}, "uids[0].endUserUIDID"),
    ({"uids": [{"uid": "x@example.com", "markAsDeleted": "true"}]}, "uids[0].markAsDeleted"),
    ({"uids": [{"uidType": "Phone", "uid": "not a number"}]}, "uids[0].uid"),
    ({"lastname": ["Doe"]}, "lastname"),
])
def test_put_rejects_bad_input_and_changes_nothing(client_a, body, key):
    jane = create(client_a)
    assert key in errors_of(client_a.put(f"/api/EndUsers/{jane['endUserID']}", json={"firstname": "Changed", **body}))
    assert client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json() == jane


def test_put_conflict_is_409_and_changes_nothing(client_a):
    jane = create(client_a)
    john = create(client_a, firstname="John", customerRef=None, uids=[{"uid": "john@example.com"}])
    response = client_a.put(f"/api/EndUsers/{john['endUserID']}", json={"firstname": "Johnny", "uids": [{"uid": "jane@example.com"}]})
    assert response.status_code == 409
    assert response.get_json()["conflicts"][0]["endUserID"] == jane["endUserID"]
    assert client_a.get(f"/api/EndUsers/{john['endUserID']}").get_json() == john


def test_put_unknown_is_404_and_wrong_content_type_415(client_a):
    assert client_a.put("/api/EndUsers/31337", json={"firstname": "x"}).status_code == 404
    jane = create(client_a)
    assert client_a.put(f"/api/EndUsers/{jane['endUserID']}", data="firstname=x").status_code == 415


# ---- DELETE /api/EndUsers/{id} --------------------------------------------------------------

def test_delete_removes_the_end_user_and_uids_but_not_tickets(client_a, history, in_app):
    jane, ids, _ = history
    assert client_a.delete(f"/api/EndUsers/{jane['endUserID']}").status_code == 204
    assert client_a.get(f"/api/EndUsers/{jane['endUserID']}").status_code == 404
    assert client_a.delete(f"/api/EndUsers/{jane['endUserID']}").status_code == 404
    with in_app() as session:
        assert session.query(EndUserUID).count() == 0
        assert session.get(Ticket, ids["mail"]) is not None


# ---- GET /api/EndUsers/byUid ----------------------------------------------------------------

def test_by_uid(client_a):
    jane = create(client_a, uids=[{"uid": "jane@example.com"}, {"uidType": "Phone", "uid": "+32470123456"}])
    for value in ("jane@example.com", "  JANE@Example.COM ", "0470 12 34 56", "+32 (0)470 12.34.56", "ERP-3049353"):
        response = client_a.get("/api/EndUsers/byUid", query_string={"uid": value})
        assert response.status_code == 200
        assert [u["endUserID"] for u in response.get_json()] == [jane["endUserID"]], value
    assert client_a.get("/api/EndUsers/byUid?uid=erp-3049").get_json() == []
    assert client_a.get("/api/EndUsers/byUid?uid=nobody@example.com").get_json() == []


def test_by_uid_returns_every_match(client_a):
    a = create(client_a, customerRef="SHARED", uids=[{"uid": "a@example.com"}])
    b = create(client_a, customerRef=None, uids=[{"uidType": "CRM", "uid": "SHARED"}])
    found = client_a.get("/api/EndUsers/byUid?uid=SHARED").get_json()
    assert sorted(u["endUserID"] for u in found) == sorted([a["endUserID"], b["endUserID"]])


@pytest.mark.parametrize("query", ["", "?uid=", "?uid=%20%20"])
def test_by_uid_needs_a_value(client_a, query):
    assert "uid" in errors_of(client_a.get(f"/api/EndUsers/byUid{query}"))


# ---- POST /api/EndUserUIDs/assign -----------------------------------------------------------

def test_assign_new_uid_is_201_and_defaults_to_email(client_a):
    jane = create(client_a)
    response = client_a.post("/api/EndUserUIDs/assign", json={"uid": " visitor@example.com ", "endUserID": jane["endUserID"]})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["uidType"], body["uid"], body["isPrimary"], body["endUserID"]) == (
        "Email", "visitor@example.com", False, jane["endUserID"])
    assert response.headers["Location"].endswith(f"/api/EndUsers/{jane['endUserID']}")


def test_assign_existing_link_is_200_with_a_message(client_a):
    jane = create(client_a)
    response = client_a.post("/api/EndUserUIDs/assign", json={"uid": "JANE@example.com", "endUserID": jane["endUserID"], "uidType": ""})
    assert response.status_code == 200
    body = response.get_json()
    assert "already linked" in body["message"]
    assert body["endUserUIDID"] == jane["uids"][0]["endUserUIDID"]
    assert len(client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json()["uids"]) == 1


def test_assign_phone_is_normalised_with_the_end_users_country_and_can_be_primary(client_a):
    jane = create(client_a, country="NL")
    response = client_a.post("/api/EndUserUIDs/assign", json={
        "uid": "06-12345678", "uidType": "Phone", "endUserID": jane["endUserID"], "isPrimary": True})
    assert response.status_code == 201 and response.get_json()["uid"] == "+31612345678"
    uids = client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json()["uids"]
    assert [(u["uid"], u["isPrimary"]) for u in uids] == [("+31612345678", True), ("jane@example.com", False)]


def test_assign_uid_of_another_end_user_is_409(client_a):
    jane = create(client_a)
    john = create(client_a, firstname="John", customerRef=None, uids=[])
    response = client_a.post("/api/EndUserUIDs/assign", json={"uid": "jane@example.com", "endUserID": john["endUserID"]})
    assert response.status_code == 409
    assert "Jane Doe" in response.get_json()["title"]
    assert response.get_json()["conflicts"][0]["endUserID"] == jane["endUserID"]
    assert client_a.get(f"/api/EndUsers/{john['endUserID']}").get_json()["uids"] == []


@pytest.mark.parametrize("body, key", [
    ({"endUserID": None}, "endUserID"),
    ({"uid": None}, "uid"),
    ({"uid": ""}, "uid"),
    ({"uid": "not an email"}, "uid"),
    ({"uid": "abc", "uidType": "Phone"}, "uid"),
    ({"uidType": "y" * 21}, "uidType"),
    ({"endUserID": "1"}, "endUserID"),
    ({"isPrimary": 1}, "isPrimary"),
    ({"extra": 1}, "extra"),
])
def test_assign_rejects_bad_input(client_a, body, key):
    jane = create(client_a)
    payload = {k: v for k, v in {"uid": "new@example.com", "endUserID": jane["endUserID"], **body}.items() if v is not None}
    assert key in errors_of(client_a.post("/api/EndUserUIDs/assign", json=payload))
    assert len(client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json()["uids"]) == 1


def test_assign_to_unknown_end_user_is_404(client_a):
    assert client_a.post("/api/EndUserUIDs/assign", json={"uid": "a@example.com", "endUserID": 999999}).status_code == 404
    assert client_a.post("/api/EndUserUIDs/assign", data="uid=a", content_type="text/plain").status_code == 415


# ---- Authentication and tenant isolation ----------------------------------------------------

ROUTES = [
    ("GET", "/api/EndUsers"), ("POST", "/api/EndUsers"), ("GET", "/api/EndUsers/{id}"),
    ("PUT", "/api/EndUsers/{id}"), ("DELETE", "/api/EndUsers/{id}"), ("GET", "/api/EndUsers/byUid?uid=x"),
    ("GET", "/api/EndUsers/{id}/tickets"), ("POST", "/api/EndUserUIDs/assign"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_every_route_needs_a_token(api, client_a, method, path):
    jane = create(client_a)
    response = api().open(method, path.format(id=jane["endUserID"]), json={})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    bad = api()
    bad.token = "not.a.token"
    assert bad.open(method, path.format(id=jane["endUserID"]), json={}).status_code == 401


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/EndUsers/{id}", None),
    ("PUT", "/api/EndUsers/{id}", {"firstname": "Hacked", "uids": [{"uid": "evil@example.com"}]}),
    ("DELETE", "/api/EndUsers/{id}", None),
    ("GET", "/api/EndUsers/{id}/tickets", None),
    ("POST", "/api/EndUserUIDs/assign", {"uid": "evil@example.com", "endUserID": "{id}"}),
])
def test_another_tenants_end_user_is_404_and_unchanged(client_a, client_b, method, path, body):
    jane = create(client_a)
    if body and body.get("endUserID") == "{id}":
        body = {**body, "endUserID": jane["endUserID"]}
    response = client_b.open(method, path.format(id=jane["endUserID"]), json=body)
    assert response.status_code == 404
    assert response.get_json() == {"type": "about:blank", "title": response.get_json()["title"], "status": 404}
    assert client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json() == jane


def test_lists_and_lookups_never_cross_tenants(client_a, client_b, history):
    jane, _, _ = history
    assert client_b.get("/api/EndUsers").get_json()["totalCount"] == 0
    assert client_b.get(f"/api/EndUsers?ids={jane['endUserID']}").get_json()["items"] == []
    assert client_b.get("/api/EndUsers?search=jane").get_json()["items"] == []
    assert client_b.get("/api/EndUsers/byUid?uid=jane@example.com").get_json() == []
    assert client_b.get("/api/EndUsers/byUid?uid=ERP-3049353").get_json() == []


def test_the_same_identifier_in_two_tenants_is_no_conflict(client_a, client_b, history, tenant_b, in_app):
    jane, _, _ = history
    bob = create(client_b, firstname="Bob", uids=[{"uid": "jane@example.com"}])  # same e-mail, other tenant
    # tenant B's ticket with Jane's e-mail shows in Bob's history only
    channel = add_channel(in_app, tenant_b)
    add_ticket(in_app, tenant_b, channel, uid="jane@example.com")
    assert client_b.get(f"/api/EndUsers/{bob['endUserID']}/tickets").get_json()["totalCount"] == 1
    assert client_a.get(f"/api/EndUsers/{jane['endUserID']}/tickets").get_json()["totalCount"] == 3


def test_put_cannot_touch_another_tenants_uid_by_id(client_a, client_b):
    jane = create(client_a)
    bob = create(client_b, firstname="Bob", customerRef=None, uids=[])
    response = client_b.put(f"/api/EndUsers/{bob['endUserID']}", json={"uids": [
        {"endUserUIDID": jane["uids"][0]["endUserUIDID"], "uid": "stolen@example.com", "markAsDeleted": True}]})
    assert "uids[0].endUserUIDID" in errors_of(response)
    assert client_a.get(f"/api/EndUsers/{jane['endUserID']}").get_json() == jane


def test_agents_have_the_same_access(api, tenant_a):
    agent = api(tenant_a.agent)
    assert agent.post("/api/EndUsers", json=JANE).status_code == 201
    assert agent.get("/api/EndUsers").get_json()["totalCount"] == 1


def test_rows_stay_in_the_database_as_expected(client_a, in_app, tenant_a):
    jane = create(client_a, uids=[{"uid": "Jane@Example.com"}])
    with in_app() as session:
        row = session.get(EndUserUID, jane["uids"][0]["endUserUIDID"])
        assert (row.customer_id, row.uid, row.uid_lookup) == (tenant_a.id, "Jane@example.com", "jane@example.com")
        assert session.get(EndUser, jane["endUserID"]).customer_id == tenant_a.id
