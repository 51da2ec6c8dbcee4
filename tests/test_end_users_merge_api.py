"""Merging two end users: preview, merge, 410 for the merged one, byUid, tickets, revert."""
import pytest

from tests.test_end_users_api import add_channel, add_ticket


@pytest.fixture
def client_a(api, tenant_a):
    return api(tenant_a.admin)


def create(client, **fields):
    response = client.post("/api/EndUsers", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def pair(client_a):
    target = create(client_a, firstname="Jane", lastname="Doe", company="Acme", customerRef="ERP-1",
                    customerType="Customer", uids=[{"uid": "jane@example.com", "isPrimary": True}])
    source = create(client_a, firstname="Janet", lastname="Doe", city="Antwerp", customerRef="CRM-9",
                    uids=[{"uidType": "Phone", "uid": "+32470123456", "isPrimary": True},
                          {"uidType": "WhatsApp", "uid": "+32470123456"}])
    return target, source


def test_preview_shows_both_and_the_default_winner_per_field(client_a, pair):
    target, source = pair
    response = client_a.get(f"/api/EndUsers/{target['endUserID']}/merge-preview?sourceEndUserID={source['endUserID']}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["target"]["endUserID"] == target["endUserID"] and body["source"]["endUserID"] == source["endUserID"]
    fields = {f["field"]: f for f in body["fields"]}
    assert fields["firstname"] == {"field": "firstname", "targetValue": "Jane", "sourceValue": "Janet",
                                   "winner": "target", "conflict": True}
    assert fields["city"] == {"field": "city", "targetValue": None, "sourceValue": "Antwerp",
                              "winner": "source", "conflict": False}
    assert fields["lastname"]["conflict"] is False and fields["customerRef"]["conflict"] is True
    # a preview changes nothing
    assert client_a.get(f"/api/EndUsers/{source['endUserID']}").status_code == 200


def test_merge_moves_identifiers_keeps_choices_and_the_other_ref(client_a, pair):
    target, source = pair
    response = client_a.post(f"/api/EndUsers/{target['endUserID']}/merge", json={
        "sourceEndUserID": source["endUserID"], "fieldChoices": {"firstname": "source"}})
    assert response.status_code == 200, response.get_json()
    merged = response.get_json()
    assert merged["endUserID"] == target["endUserID"]
    assert (merged["firstname"], merged["city"], merged["company"], merged["customerRef"]) == (
        "Janet", "Antwerp", "Acme", "ERP-1")
    assert [(u["uidType"], u["uid"], u["isPrimary"]) for u in merged["uids"]] == [
        ("Email", "jane@example.com", True), ("Phone", "+32470123456", False),
        ("WhatsApp", "+32470123456", False), ("CustomerRef", "CRM-9", False)]
    for uid in ("+32 470 12 34 56", "CRM-9", "jane@example.com"):
        found = client_a.get("/api/EndUsers/byUid", query_string={"uid": uid}).get_json()
        assert [u["endUserID"] for u in found] == [target["endUserID"]], uid
    listed = client_a.get("/api/EndUsers?pageSize=100").get_json()
    assert [u["endUserID"] for u in listed["items"]] == [target["endUserID"]]


def test_the_merged_end_user_is_410_gone_naming_the_survivor(client_a, pair):
    target, source = pair
    client_a.post(f"/api/EndUsers/{target['endUserID']}/merge", json={"sourceEndUserID": source["endUserID"]})
    path = f"/api/EndUsers/{source['endUserID']}"
    for response in (client_a.get(path), client_a.put(path, json={"firstname": "X"}), client_a.delete(path)):
        assert response.status_code == 410 and response.mimetype == "application/problem+json"
        assert response.get_json()["mergedInto"] == target["endUserID"]
    again = client_a.post(f"/api/EndUsers/{target['endUserID']}/merge", json={"sourceEndUserID": source["endUserID"]})
    assert again.status_code == 410


def test_ticket_history_follows_by_identifier_and_by_the_merged_ref(client_a, pair, tenant_a, in_app):
    target, source = pair
    channel = add_channel(in_app, tenant_a, "Phone")
    by_phone = add_ticket(in_app, tenant_a, channel, uid="+32470123456", subject="Called")
    by_ref = add_ticket(in_app, tenant_a, channel, ref="CRM-9", subject="From the CRM")
    mine = add_ticket(in_app, tenant_a, channel, uid="jane@example.com", subject="Mailed")
    client_a.post(f"/api/EndUsers/{target['endUserID']}/merge", json={"sourceEndUserID": source["endUserID"]})
    tickets = client_a.get(f"/api/EndUsers/{target['endUserID']}/tickets?pageSize=100").get_json()
    assert sorted(t["ticketID"] for t in tickets["items"]) == sorted([by_phone, by_ref, mine])


def test_bad_merges(client_a, pair, api, tenant_b):
    target, source = pair
    url = f"/api/EndUsers/{target['endUserID']}/merge"
    itself = client_a.post(url, json={"sourceEndUserID": target["endUserID"]})
    assert itself.status_code == 400 and "sourceEndUserID" in itself.get_json()["errors"]
    wrong_side = client_a.post(url, json={"sourceEndUserID": source["endUserID"], "fieldChoices": {"firstname": "both"}})
    assert wrong_side.status_code == 400 and "fieldChoices.firstname" in wrong_side.get_json()["errors"]
    unknown = client_a.post(url, json={"sourceEndUserID": source["endUserID"], "fieldChoices": {"shoeSize": "source"}})
    assert unknown.status_code == 400
    assert client_a.post(url, json={}).status_code == 400
    assert client_a.post(url, json={"sourceEndUserID": 999999}).status_code == 404
    assert client_a.get(f"/api/EndUsers/{target['endUserID']}/merge-preview").status_code == 400
    # another tenant sees neither person
    other = api(tenant_b.admin)
    assert other.post(url, json={"sourceEndUserID": source["endUserID"]}).status_code == 404
    mine = create(other, firstname="Bob")
    assert other.post(f"/api/EndUsers/{mine['endUserID']}/merge",
                      json={"sourceEndUserID": source["endUserID"]}).status_code == 404
    assert other.get(f"/api/EndUsers/{mine['endUserID']}/merge-preview?sourceEndUserID={target['endUserID']}"
                     ).status_code == 404
    assert client_a.get(f"/api/EndUsers/{source['endUserID']}").status_code == 200  # nothing merged


def _merge_event(client):
    return client.get("/api/AuditEvents?action=Merge").get_json()["items"][0]


def test_a_merge_is_one_event_and_its_revert_restores_both(client_a, pair):
    target, source = pair
    client_a.post(f"/api/EndUsers/{target['endUserID']}/merge", json={
        "sourceEndUserID": source["endUserID"], "fieldChoices": {"customerRef": "source"}})
    event = _merge_event(client_a)
    assert (event["action"], event["entityType"], event["entityId"], event["revertible"]) == (
        "Merge", "EndUser", target["endUserID"], True)
    assert event["changes"]["customerRef"] == {"from": "ERP-1", "to": "CRM-9"}
    response = client_a.post(f"/api/AuditEvents/{event['auditEventID']}/revert")
    assert response.status_code == 200, response.get_json()
    back = client_a.get(f"/api/EndUsers/{source['endUserID']}").get_json()
    assert (back["firstname"], back["customerRef"], back["city"]) == ("Janet", "CRM-9", "Antwerp")
    assert [(u["uidType"], u["uid"]) for u in back["uids"]] == [("Phone", "+32470123456"), ("WhatsApp", "+32470123456")]
    kept = client_a.get(f"/api/EndUsers/{target['endUserID']}").get_json()
    assert (kept["firstname"], kept["customerRef"], kept["city"]) == ("Jane", "ERP-1", None)
    assert [(u["uidType"], u["uid"]) for u in kept["uids"]] == [("Email", "jane@example.com")]
    found = client_a.get("/api/EndUsers/byUid?uid=%2B32470123456").get_json()
    assert [u["endUserID"] for u in found] == [source["endUserID"]]
    assert client_a.post(f"/api/AuditEvents/{event['auditEventID']}/revert").status_code == 409  # once


def test_revert_refuses_when_the_survivor_changed_since(client_a, pair):
    target, source = pair
    client_a.post(f"/api/EndUsers/{target['endUserID']}/merge", json={"sourceEndUserID": source["endUserID"]})
    client_a.put(f"/api/EndUsers/{target['endUserID']}", json={"lastname": "Smith"})
    event = _merge_event(client_a)
    response = client_a.post(f"/api/AuditEvents/{event['auditEventID']}/revert")
    assert response.status_code == 409 and "lastname" in response.get_json()["changedSince"]
    assert client_a.get(f"/api/EndUsers/{source['endUserID']}").status_code == 410


def test_an_agent_can_merge_but_only_an_admin_reverts(api, tenant_a, pair):
    target, source = pair
    agent = api(tenant_a.agent)
    assert agent.post(f"/api/EndUsers/{target['endUserID']}/merge",
                      json={"sourceEndUserID": source["endUserID"]}).status_code == 200
