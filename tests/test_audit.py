"""The audit trail: every write of every face leaves exactly one event, by the right actor, with
the changes under DTO names, and never a secret."""
import io
import json

import pytest
from sqlalchemy import select, text

from app.actions.models import TopicAction
from app.audit.models import AuditEvent

# POST routes that write nothing (they check credentials, render, or test a connection).
NOT_WRITES = {"api_auth.login", "api_auth.phone_login", "auth.login", "auth.logout", "actions.form_groups",
              "customers.test_connection", "end_users.form_rows", "end_users.bulk_confirm",
              "api_pipeline.dry_run_message", "pipeline.try_message", "actions.preview"}  # dry runs: read-only


def _events(in_app, customer_id) -> list[AuditEvent]:
    with in_app() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.customer_id == customer_id)
                               .order_by(AuditEvent.id)).all()
        session.expunge_all()
        return rows


def _job_ids(in_app, customer_id) -> list[int]:
    from app.jobs.models import Job

    with in_app() as session:
        return list(session.scalars(select(Job.id).where(Job.customer_id == customer_id)))


class Trail:
    """Runs one write at a time and checks it left exactly one event of the expected kind."""

    def __init__(self, in_app, tenant):
        self.in_app, self.tenant = in_app, tenant
        self.seen = len(_events(in_app, tenant.id))
        self.covered = set()

    def expect(self, endpoint, response, action, entity_type, status=None):
        assert response.status_code < 400 if status is None else response.status_code == status, (
            endpoint, response.status_code, response.get_data(as_text=True)[:300])
        events = _events(self.in_app, self.tenant.id)
        new = events[self.seen:]
        self.seen = len(events)
        assert [(e.action, e.entity_type) for e in new] == [(action, entity_type)], (endpoint, new)
        event = new[0]
        assert (event.actor_type, event.actor_id) == ("Representative", str(self.tenant.admin.id)), endpoint
        assert event.actor_name and event.changes, endpoint
        self.covered.add(endpoint)
        return response


def test_every_write_route_leaves_exactly_one_event_by_its_actor(app, api, dashboard, tenant_a, in_app):
    client, web, trail = api(tenant_a.admin), dashboard(tenant_a.admin), Trail(in_app, tenant_a)

    def body(endpoint, response, action, entity_type, status=None):
        return trail.expect(endpoint, response, action, entity_type, status).get_json()

    # ---- API ------------------------------------------------------------------------------
    topic = body("api_topics.create", client.post("/api/Topics", json={"name": "Billing"}), "Create", "Topic")["topicID"]
    body("api_topics.update", client.put(f"/api/Topics/{topic}", json={"description": "Invoices"}), "Update", "Topic")
    update = client.get("/api/AuditEvents?pageSize=1").get_json()["items"][0]
    trail.expect("api_audit.revert", client.post(f"/api/AuditEvents/{update['auditEventID']}/revert"), "Revert", "Topic")
    channel = body("api_channels.create", client.post("/api/Channels", json={"name": "Mail", "channelType": "Email"}),
                   "Create", "Channel")["channelID"]
    body("api_channels.update", client.put(f"/api/Channels/{channel}", json={"name": "Mailbox"}), "Update", "Channel")
    first, second, spare = (body("api_actions.create", client.post("/api/Actions", json={"name": name, "actionType": "Close"}),
                                 "Create", "Action")["actionID"] for name in ("First", "Second", "Spare"))
    body("api_actions.update", client.put(f"/api/Actions/{first}", json={"actionID": first, "description": "d"}),
         "Update", "Action")
    for name, context, kind in (("TopicActions", {"topicID": topic}, "TopicAction"),
                                ("HookActions", {"hookName": "PreSpam"}, "HookAction")):
        path = name
        link = body(f"api_links.create_{name}", client.post(f"/api/{path}", json={**context, "actionID": first}),
                    "Create", kind)[f"{kind[0].lower()}{kind[1:]}ID"]
        body(f"api_links.update_{name}", client.put(f"/api/{path}/{link}", json={"priority": 5}), "Update", kind)
        other = body(f"api_links.bulk_{name}", client.post(f"/api/{path}/bulk", json=[{**context, "actionID": second}]),
                     "Create", kind)[0][f"{kind[0].lower()}{kind[1:]}ID"]
        trail.expect(f"api_links.reorder_{name}", client.post(f"/api/{path}/reorder", json={"ids": [other, link]}),
                     "Reorder", kind)
        trail.expect(f"api_links.delete_{name}", client.delete(f"/api/{path}/{other}"), "Delete", kind)
    person = body("api_end_users.create", client.post("/api/EndUsers", json={
        "lastname": "Doe", "uids": [{"uid": "jane@example.com"}]}), "Create", "EndUser")["endUserID"]
    trail.expect("api_end_users.update", client.put(f"/api/EndUsers/{person}", json={"lastname": "Dee"}), "Update", "EndUser")
    trail.expect("api_end_users.assign", client.post("/api/EndUserUIDs/assign", json={
        "endUserID": person, "uidType": "Phone", "uid": "+32470123456"}), "Update", "EndUser")
    bulk = body("api_end_users.bulk", client.post("/api/EndUsers/bulk", json={
        "ids": [person], "operation": "setCustomerType", "value": "Partner"}), "Update", "EndUser")
    trail.expect("api_jobs.undo", client.post(f"/api/Jobs/{bulk['jobID']}/undo"), "Revert", "EndUser")
    queued = body("api_end_users.import_csv", client.post("/api/EndUsers/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"lastname\nImported\n"), "people.csv")}), "Create", "Job")
    trail.expect("api_jobs.cancel", client.post(f"/api/Jobs/{queued['jobID']}/cancel"), "Update", "Job")
    trail.expect("api_end_users.delete", client.delete(f"/api/EndUsers/{person}"), "Delete", "EndUser")
    keep, other = (body("api_end_users.create", client.post("/api/EndUsers", json={"firstname": name, "lastname": "Roe"}),
                        "Create", "EndUser")["endUserID"] for name in ("Rita", "Rite"))
    trail.expect("api_end_user_merge.dismiss_duplicate", client.post(f"/api/EndUsers/{keep}/duplicates/{other}/dismiss"),
                 "Update", "EndUser")
    trail.expect("api_end_user_merge.merge", client.post(f"/api/EndUsers/{keep}/merge", json={"sourceEndUserID": other}),
                 "Merge", "EndUser")
    trail.expect("api_customers.update_me", client.put("/api/Customers/me", json={
        "twilioRegion": "us1", "openAIApiKey": "sk-audit-plaintext-0001"}), "Update", "Customer")
    trail.expect("api_actions.delete", client.delete(f"/api/Actions/{spare}"), "Delete", "Action")
    spare_topic = body("api_topics.create", client.post("/api/Topics", json={"name": "Spare"}), "Create", "Topic")["topicID"]
    trail.expect("api_topics.delete", client.delete(f"/api/Topics/{spare_topic}"), "Delete", "Topic")
    spare_channel = body("api_channels.create", client.post("/api/Channels", json={"name": "Spare", "channelType": "Chat"}),
                         "Create", "Channel")["channelID"]
    trail.expect("api_channels.delete", client.delete(f"/api/Channels/{spare_channel}"), "Delete", "Channel")
    key = body("api_keys.create", client.post("/api/ApiKeys", json={"name": "Sync", "scopes": ["endusers:read"]}),
               "Create", "ApiKey")
    assert key["key"] not in str(_events(in_app, tenant_a.id)[-1].changes)
    trail.expect("api_keys.revoke", client.delete(f"/api/ApiKeys/{key['apiKeyID']}"), "Delete", "ApiKey")
    person = body("api_team.create", client.post("/api/Representatives", json={
        "email": "audited@alpha.example.com", "role": "Agent", "timeZone": "Europe/Paris"}), "Create",
        "Representative")["representativeID"]
    trail.expect("api_team.update", client.put(f"/api/Representatives/{person}", json={"role": "Admin"}),
                 "Update", "Representative")

    # ---- Dashboard ----------------------------------------------------------------------------
    for noun, extra in (("topics", {}), ("channels", {"channelType": "Phone"})):
        entity = noun[:-1].title()
        web.get(f"/{noun}/")
        trail.expect(f"{noun}.index", web.post(f"/{noun}/", data={"name": f"Desk {noun}", "isActive": "y", **extra}),
                     "Create", entity)
        model_id = max(e.entity_id for e in _events(in_app, tenant_a.id) if e.entity_type == entity)
        trail.expect(f"{noun}.toggle", web.post(f"/{noun}/{model_id}/toggle"), "Update", entity)
        if noun == "channels":
            trail.expect("channels.rotate", web.post(f"/channels/{model_id}/rotate-secret"), "Update", "Channel")
            trail.expect("customers.rotate_channel", web.post(f"/settings/secrets/channels/{model_id}/rotate", htmx=True),
                         "Update", "Channel")
        trail.expect(f"{noun}.delete", web.post(f"/{noun}/{model_id}/delete"), "Delete", entity)
    web.get("/settings/connector")
    trail.expect("customers.save", web.post("/settings/connector", htmx=True, data={
        "apiBaseUrl": "https://crm.example.com/api", "apiAuthenticationType": "None"}), "Update", "Customer")
    trail.expect("customers.clear_secret", web.post("/settings/secrets/secret/openAIApiKey/clear", htmx=True),
                 "Update", "Customer")
    web.get("/settings/sso")
    trail.expect("sso.save", web.post("/settings/sso", data={
        "issuer": "https://login.example.com", "clientId": "switchboard", "clientSecret": "sso-secret-0001",
        "allowedDomain": "alpha.example.com"}), "Create", "SsoSettings")
    trail.expect("sso.clear_secret", web.post("/settings/sso/secret/clear"), "Update", "SsoSettings")
    web.get("/end-users/new")
    created = trail.expect("end_users.new", web.post("/end-users/new", htmx=True, data={
        "firstname": "John", "uids-0-uidType": "Email", "uids-0-uid": "john@example.com", "primary": "0"}),
        "Create", "EndUser")
    john = int(created.headers["HX-Redirect"].rsplit("/", 1)[1])
    trail.expect("end_users.edit", web.post(f"/end-users/{john}/edit", htmx=True, data={
        "firstname": "Johnny", "customerType": "Lead", "uids-0-uidType": "Email", "uids-0-uid": "john@example.com",
        "primary": "0"}), "Update", "EndUser")
    trail.expect("end_users.assign", web.post(f"/end-users/{john}/identifiers", htmx=True, data={
        "uidType": "Phone", "uid": "+32470999888", "endUserID": john}), "Update", "EndUser")
    web.get("/end-users/")
    trail.expect("end_users.bulk", web.post("/end-users/bulk", data={
        "change": "setCustomerType:Partner", "scope": "selected", "ids": [john]}), "Update", "EndUser")
    bulk_job = max(j for j in _job_ids(in_app, tenant_a.id))
    trail.expect("end_users.undo_job_changes", web.post(f"/end-users/jobs/{bulk_job}/undo"), "Revert", "EndUser")
    web.get("/end-users/import")
    trail.expect("end_users.import_page", web.post("/end-users/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"lastname\nChecked\n"), "people.csv"), "action": "check"}), "Create", "Job")
    trail.expect("end_users.run_import", web.post(f"/end-users/jobs/{max(_job_ids(in_app, tenant_a.id))}/run"),
                 "Create", "Job")
    jim, joe = (body("api_end_users.create", client.post("/api/EndUsers", json={"firstname": name}), "Create",
                     "EndUser")["endUserID"] for name in ("Jim", "Joe"))
    trail.expect("end_user_merge.dismiss_pair", web.post(f"/end-users/duplicates/{jim}/{joe}/dismiss", htmx=True),
                 "Update", "EndUser")
    web.get(f"/end-users/{john}/merge/{jim}")
    trail.expect("end_user_merge.preview", web.post(f"/end-users/{john}/merge/{jim}", data={"sourceEndUserID": jim}),
                 "Merge", "EndUser")
    trail.expect("end_users.delete", web.post(f"/end-users/{john}/delete"), "Delete", "EndUser")
    web.get("/actions/new")
    trail.expect("actions.new", web.post("/actions/new", data={"name": "Dashboard action", "actionType": "Close",
                                                               "isActive": "y"}), "Create", "Action")
    action = max(e.entity_id for e in _events(in_app, tenant_a.id) if e.entity_type == "Action")
    trail.expect("actions.edit", web.post(f"/actions/{action}/edit", data={
        "name": "Dashboard action", "actionType": "Close", "description": "edited", "isActive": "y"}), "Update", "Action")
    trail.expect("actions.toggle", web.post(f"/actions/{action}/toggle", htmx=True), "Update", "Action")
    key = TopicAction.context_for(topic, None, None, None)
    trail.expect("actions.add_link", web.post("/actions/order/links", htmx=True, data={
        "kind": "topic", "key": key, "actionID": action}), "Create", "TopicAction")
    with in_app() as session:
        ids = list(session.scalars(select(TopicAction.id).where(TopicAction.context_key == key,
                                                                TopicAction.customer_id == tenant_a.id)
                                   .order_by(TopicAction.priority, TopicAction.id)))
    trail.expect("actions.reorder_list", web.post("/actions/order/reorder", htmx=True, data={
        "kind": "topic", "key": key, "item": ids[::-1]}), "Reorder", "TopicAction")
    trail.expect("actions.remove_link", web.post(f"/actions/order/links/topic/{ids[-1]}/delete", htmx=True,
                                                 data={"key": key}), "Delete", "TopicAction")
    trail.expect("actions.delete", web.post(f"/actions/{action}/delete"), "Delete", "Action")
    deletion = client.get("/api/AuditEvents?pageSize=1").get_json()["items"][0]
    trail.expect("audit.revert", web.post(f"/activity/{deletion['auditEventID']}/revert"), "Revert", "Action")
    web.get("/settings/api-keys/")
    trail.expect("keys.index", web.post("/settings/api-keys/", data={"name": "Page key", "scopes-0": "settings:read"}),
                 "Create", "ApiKey")
    page_key = max(e.entity_id for e in _events(in_app, tenant_a.id) if e.entity_type == "ApiKey")
    trail.expect("keys.revoke", web.post(f"/settings/api-keys/{page_key}/revoke"), "Delete", "ApiKey")
    web.get("/team/")
    trail.expect("team.index", web.post("/team/", data={"email": "teamed@alpha.example.com", "role": "Agent",
                                                        "timeZone": "Europe/Paris"}), "Create", "Representative")
    teamed = max(e.entity_id for e in _events(in_app, tenant_a.id) if e.entity_type == "Representative")
    trail.expect("team.role", web.post(f"/team/{teamed}/role", data={"role": "Admin"}), "Update", "Representative")
    trail.expect("team.toggle", web.post(f"/team/{teamed}/toggle"), "Update", "Representative")
    trail.expect("team.password", web.post(f"/team/{teamed}/password"), "Update", "Representative")

    writes = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.methods & {"POST", "PUT", "DELETE", "PATCH"}} - NOT_WRITES
    assert writes - trail.covered == set(), "write routes without an audit check"


def test_changes_use_dto_names_and_a_reorder_keeps_both_orders(api, tenant_a, in_app):
    client = api(tenant_a.admin)
    topic = client.post("/api/Topics", json={"name": "Billing"}).get_json()["topicID"]
    client.put(f"/api/Topics/{topic}", json={"name": "Invoices", "isActive": False})
    action = client.post("/api/Actions", json={"name": "Close", "actionType": "Close"}).get_json()["actionID"]
    other = client.post("/api/Actions", json={"name": "Spam", "actionType": "Spam"}).get_json()["actionID"]
    links = [client.post("/api/HookActions", json={"hookName": "OnClose", "actionID": a}).get_json()["hookActionID"]
             for a in (action, other)]
    client.post("/api/HookActions/reorder", json={"ids": links[::-1]})
    page = client.get("/api/AuditEvents?pageSize=100").get_json()
    update = next(e for e in page["items"] if e["action"] == "Update" and e["entityType"] == "Topic")
    assert update["changes"] == {"name": {"from": "Billing", "to": "Invoices"}, "isActive": {"from": True, "to": False}}
    assert update["entityId"] == topic and update["revertible"] is True
    assert update["actor"] == {"type": "Representative", "id": tenant_a.admin.id, "name": tenant_a.admin.email}
    reorder = next(e for e in page["items"] if e["action"] == "Reorder")
    assert reorder["changes"] == {"order": {"from": links, "to": links[::-1]}}
    assert reorder["entityType"] == "HookAction" and "OnClose" in reorder["entityLabel"]
    times = [e["occurredAt"] for e in page["items"]]
    assert times == sorted(times, reverse=True) and all(t.endswith("Z") for t in times)


def test_no_event_ever_holds_a_secret(api, dashboard, tenant_a, in_app):
    client = api(tenant_a.admin)
    plaintexts = ["sk-audit-plaintext-0001", "sk-audit-plaintext-0002", "crm-token-audit-0003", "override-pass-0004"]
    client.put("/api/Customers/me", json={"openAIApiKey": plaintexts[0]})
    client.put("/api/Customers/me", json={"openAIApiKey": plaintexts[1], "apiToken": plaintexts[2]})
    client.put("/api/Customers/me", json={"apiToken": ""})
    action = client.post("/api/Actions", json={"name": "Call", "actionType": "ApiCall", "apiEndpoint": "/x",
                                               "apiMethod": "GET", "overrideApiPassword": plaintexts[3]}).get_json()
    client.put(f"/api/Actions/{action['actionID']}", json={"actionID": action["actionID"], "overrideApiPassword": ""})
    with in_app() as session:
        stored = [row[0] for row in session.execute(text("SELECT value FROM customer_secret"))]
        stored += [row[0] for row in session.execute(text("SELECT override_api_password FROM action")) if row[0]]
        dumped = json.dumps([[e.changes, e.snapshot] for e in session.scalars(select(AuditEvent))])
    assert stored and all(value not in dumped for value in stored), "ciphertext in an event"
    assert all(value not in dumped for value in plaintexts), "plaintext in an event"
    changes = [e["changes"] for e in client.get("/api/AuditEvents?entityType=Customer&action=Update").get_json()["items"]][::-1]
    assert changes[0]["openAIApiKey"] == {"from": None, "to": "set"}
    assert changes[1] == {"openAIApiKey": {"from": "set", "to": "changed"}, "apiToken": {"from": None, "to": "set"}}
    assert changes[2] == {"apiToken": {"from": "set", "to": "cleared"}}


def test_the_trail_is_the_tenants_own_and_for_admins(api, tenant_a, tenant_b):
    api(tenant_a.admin).post("/api/Topics", json={"name": "Alpha only"})
    other = api(tenant_b.admin).get("/api/AuditEvents?pageSize=100").get_json()
    assert all(e["entityLabel"] != "Alpha only" for e in other["items"])
    assert api(tenant_a.agent).get("/api/AuditEvents").status_code == 403


@pytest.mark.parametrize("query, count", [
    ("entityType=Topic", 2), ("entityType=Topic&action=Update", 1),
    ("actorType=Cli", 3),  # the tenant's creation: the customer and its two representatives
    ("actorType=Representative&actorId={admin}&action=Create", 2), ("actorId=999999", 0),
    ("from=2000-01-01T00:00:00Z", 6), ("to=2000-01-01", 0), ("entityType=Topic&pageSize=1", 2),
])
def test_filters(api, tenant_a, query, count):
    client = api(tenant_a.admin)
    topic = client.post("/api/Topics", json={"name": "Billing"}).get_json()["topicID"]
    client.put(f"/api/Topics/{topic}", json={"name": "Invoices"})
    client.post("/api/Channels", json={"name": "Mail", "channelType": "Email"})
    body = client.get("/api/AuditEvents?" + query.format(admin=tenant_a.admin.id)).get_json()
    assert body["totalCount"] == count, body
    assert len(body["items"]) == min(count, body["pageSize"])


def test_bad_filters_are_400s(api, tenant_a):
    client = api(tenant_a.admin)
    for query, field in (("from=yesterday", "from"), ("entityType=Nope", "entityType"), ("action=Explode", "action"),
                         ("entityId=x", "entityId")):
        response = client.get(f"/api/AuditEvents?{query}")
        assert response.status_code == 400 and field in response.get_json()["errors"], query


# ---- Revert -----------------------------------------------------------------------------------

def _latest(client, query=""):
    return client.get(f"/api/AuditEvents?pageSize=1{query}").get_json()["items"][0]


def _revert(client, event):
    return client.post(f"/api/AuditEvents/{event['auditEventID']}/revert")


def test_revert_an_update_puts_the_old_values_back_once(api, tenant_a):
    client = api(tenant_a.admin)
    client.put("/api/Customers/me", json={"twilioRegion": "ie1"})
    client.put("/api/Customers/me", json={"twilioRegion": "us1", "ticketCleanupRetentionDays": 30})
    update = _latest(client)
    response = _revert(client, update)
    assert response.status_code == 200
    revert = response.get_json()
    assert revert["action"] == "Revert" and revert["entityType"] == "Customer" and revert["revertible"] is False
    assert revert["changes"]["twilioRegion"] == {"from": "us1", "to": "ie1"}
    me = client.get("/api/Customers/me").get_json()
    assert (me["twilioRegion"], me["ticketCleanupRetentionDays"]) == ("ie1", 90)
    assert _latest(client, "&action=Update&entityType=Customer")["revertible"] is False  # already reverted
    again = _revert(client, update)
    assert again.status_code == 409 and again.get_json()["revertedBy"] == revert["auditEventID"]


def test_revert_refuses_when_the_record_changed_again_and_changes_nothing(api, tenant_a):
    client = api(tenant_a.admin)
    action = client.post("/api/Actions", json={"name": "Close", "actionType": "Close"}).get_json()["actionID"]
    client.put(f"/api/Actions/{action}", json={"actionID": action, "description": "first"})
    first = _latest(client)
    client.put(f"/api/Actions/{action}", json={"actionID": action, "description": "second"})
    response = _revert(client, first)
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert response.get_json()["changedSince"] == {"description": {"expected": "first", "now": "second"}}
    assert client.get(f"/api/Actions/{action}").get_json()["description"] == "second"


def test_revert_a_delete_brings_the_end_user_back_with_identifiers(api, tenant_a):
    client = api(tenant_a.agent)
    person = client.post("/api/EndUsers", json={"firstname": "Jane", "lastname": "Doe", "uids": [
        {"uid": "jane@example.com"}, {"uidType": "Phone", "uid": "+32470123456"}]}).get_json()
    client.delete(f"/api/EndUsers/{person['endUserID']}")
    admin = api(tenant_a.admin)
    deletion = _latest(admin)
    assert deletion["action"] == "Delete" and deletion["revertible"] is True
    assert _revert(admin, deletion).status_code == 200
    back = client.get(f"/api/EndUsers/{person['endUserID']}").get_json()
    assert (back["firstname"], back["lastname"]) == ("Jane", "Doe")
    assert [(u["uidType"], u["uid"], u["isPrimary"]) for u in back["uids"]] == [
        ("Email", "jane@example.com", True), ("Phone", "+32470123456", False)]
    assert [u["endUserID"] for u in client.get("/api/EndUsers/byUid?uid=+32470123456").get_json()] == [person["endUserID"]]


def test_revert_a_delete_whose_identifier_now_belongs_to_someone_else_is_a_409(api, tenant_a):
    client = api(tenant_a.admin)
    person = client.post("/api/EndUsers", json={"firstname": "Jane", "uids": [{"uid": "jane@example.com"}]}).get_json()
    client.delete(f"/api/EndUsers/{person['endUserID']}")
    deletion = _latest(client)
    other = client.post("/api/EndUsers", json={"firstname": "Other", "uids": [{"uid": "JANE@example.com"}]}).get_json()
    response = _revert(client, deletion)
    assert response.status_code == 409
    assert response.get_json()["conflicts"][0]["endUserID"] == other["endUserID"]
    listed = client.get("/api/EndUsers?pageSize=100").get_json()
    assert [u["firstname"] for u in listed["items"]] == ["Other"]


def test_revert_a_deleted_action_with_its_custom_fields_and_a_deleted_link(api, tenant_a, in_app):
    from app.actions.models import Action
    from app.actions.operations import add_custom_field
    from app.actors import Actor
    from app.unit_of_work import unit_of_work

    client = api(tenant_a.admin)
    action = client.post("/api/Actions", json={"name": "Lookup", "actionType": "Close"}).get_json()["actionID"]
    with in_app() as session, unit_of_work():
        add_custom_field(tenant_a.id, Actor.cli("tests"), session.get(Action, action), name="orderNumber",
                         label="Order number", field_type="Text", is_required=True, sort_order=1)
    client.delete(f"/api/Actions/{action}")
    assert _revert(client, _latest(client)).status_code == 200
    restored = client.get(f"/api/Actions/{action}").get_json()
    assert restored["name"] == "Lookup"
    assert [(f["name"], f["label"], f["isRequired"]) for f in restored["customFieldDefinitions"]] == [
        ("orderNumber", "Order number", True)]
    link = client.post("/api/HookActions", json={"hookName": "OnClose", "actionID": action}).get_json()["hookActionID"]
    client.delete(f"/api/HookActions/{link}")
    assert _revert(client, _latest(client)).status_code == 200
    assert [x["hookActionID"] for x in client.get("/api/HookActions?hookName=OnClose").get_json()["items"]] == [link]


def test_revert_a_reorder_restores_the_earlier_order_unless_the_list_moved_on(api, tenant_a):
    client = api(tenant_a.admin)
    actions = [client.post("/api/Actions", json={"name": n, "actionType": "Close"}).get_json()["actionID"]
               for n in ("A", "B", "C")]
    links = [client.post("/api/HookActions", json={"hookName": "PreSpam", "actionID": a}).get_json()["hookActionID"]
             for a in actions]

    def order():
        return [x["hookActionID"] for x in client.get("/api/HookActions?hookName=PreSpam").get_json()["items"]]

    client.post("/api/HookActions/reorder", json={"ids": links[::-1]})
    reorder = _latest(client)
    client.post("/api/HookActions/reorder", json={"ids": [links[1], links[2], links[0]]})
    stale = _revert(client, reorder)
    assert stale.status_code == 409 and stale.get_json()["currentOrder"] == [links[1], links[2], links[0]]
    assert order() == [links[1], links[2], links[0]]
    assert _revert(client, _latest(client)).status_code == 200
    assert order() == links[::-1]


def test_what_cannot_be_reverted_and_whose_events_are_whose(api, tenant_a, tenant_b):
    client = api(tenant_a.admin)
    client.post("/api/Topics", json={"name": "Billing"})
    create = _latest(client)
    assert create["revertible"] is False and _revert(client, create).status_code == 409
    client.put("/api/Customers/me", json={"openAIApiKey": "sk-only-a-secret-1234"})
    secret_only = _latest(client)
    assert secret_only["revertible"] is False and _revert(client, secret_only).status_code == 409
    assert _revert(api(tenant_b.admin), create).status_code == 404
    assert _revert(api(tenant_a.agent), create).status_code == 403
