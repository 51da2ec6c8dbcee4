"""/api/Actions: every status code of the reference page, with the input that triggers it, and every per-type rule."""
import pytest

from app.actions.models import Action
from app.extensions import db

CRM = {
    "name": "Call CRM",
    "description": "Update the customer record",
    "actionType": "ApiCall",
    "apiEndpoint": "/customers/{{endUser.customerNumber}}",
    "apiMethod": "PUT",
    "apiHeaders": "{\"Content-Type\":\"application/json\"}",
    "apiBodyTemplate": "{\"status\":\"{{ticket.status}}\"}",
    "overrideApiAuthenticationType": "Bearer",
    "isActive": True,
    "isFunctionTool": False,
    "toolCallTimeoutSeconds": 30,
}


@pytest.fixture
def admin(api, tenant_a):
    return api(tenant_a.admin)


def create(client, **fields):
    response = client.post("/api/Actions", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_read_list_update_delete(admin):
    created = create(admin, **CRM)
    assert created["actionID"] > 0 and created["customerID"]
    assert created["apiMethod"] == "PUT" and created["customFieldDefinitions"] == []
    assert created["actionScheduleTimeZoneId"] == "Europe/Brussels"  # the representative's time zone
    ident = created["actionID"]

    read = admin.get(f"/api/Actions/{ident}")
    assert read.status_code == 200 and read.get_json()["name"] == "Call CRM"

    create(admin, name="Another", actionType="Close")
    page = admin.get("/api/Actions").get_json()
    assert [a["name"] for a in page["items"]] == ["Another", "Call CRM"]
    assert page["totalCount"] == 2 and page["pageNumber"] == 1 and page["pageSize"] == 10
    desc = admin.get("/api/Actions?sortBy=name&sortOrder=desc").get_json()
    assert [a["name"] for a in desc["items"]] == ["Call CRM", "Another"]

    # PUT is partial: the reference example leaves apiEndpoint out, and it keeps its value.
    response = admin.put(f"/api/Actions/{ident}", json={
        "actionID": ident, "name": "Call CRM v2", "actionType": "ApiCall", "apiMethod": "PATCH", "isActive": False})
    assert response.status_code == 204
    after = admin.get(f"/api/Actions/{ident}").get_json()
    assert (after["name"], after["apiMethod"], after["isActive"]) == ("Call CRM v2", "PATCH", False)
    assert after["apiEndpoint"] == CRM["apiEndpoint"]

    assert admin.delete(f"/api/Actions/{ident}").status_code == 204
    assert admin.get(f"/api/Actions/{ident}").status_code == 404
    assert admin.delete(f"/api/Actions/{ident}").status_code == 404


def test_list_filters_and_bad_paging(admin):
    create(admin, name="Wait a bit", actionType="Wait", waitSeconds=5)
    create(admin, name="Closer", actionType="Close", isActive=False)
    assert [a["name"] for a in admin.get("/api/Actions?actionType=Wait").get_json()["items"]] == ["Wait a bit"]
    assert [a["name"] for a in admin.get("/api/Actions?isActive=false").get_json()["items"]] == ["Closer"]
    assert [a["name"] for a in admin.get("/api/Actions?search=clos").get_json()["items"]] == ["Closer"]
    for query in ("pageNumber=0", "pageSize=101", "sortBy=priority", "sortOrder=up", "isActive=maybe", "actionType=Dance"):
        response = admin.get(f"/api/Actions?{query}")
        assert response.status_code == 400, query
        assert response.mimetype == "application/problem+json"


def test_available_lists_active_actions_for_agents(api, admin, tenant_a):
    create(admin, name="On", actionType="Close")
    create(admin, name="Off", actionType="Close", isActive=False)
    response = api(tenant_a.agent).get("/api/Actions/available")
    assert response.status_code == 200
    assert [a["name"] for a in response.get_json()] == ["On"]
    assert set(response.get_json()[0]) == {"actionID", "customerID", "name", "description", "actionType", "isActive"}


def test_401_without_token_and_403_for_agents(api, tenant_a):
    assert api().get("/api/Actions").status_code == 401
    assert api().get("/api/Actions/available").status_code == 401
    bad = api().get("/api/Actions", headers={"Authorization": "Bearer not.a.token"})
    assert bad.status_code == 401
    agent = api(tenant_a.agent)
    for method, path in (("GET", "/api/Actions"), ("POST", "/api/Actions"), ("GET", "/api/Actions/1"),
                         ("PUT", "/api/Actions/1"), ("DELETE", "/api/Actions/1")):
        response = agent.open(method, path, json={"name": "x", "actionType": "Close"})
        assert response.status_code == 403, (method, path)
        assert response.get_json()["status"] == 403


def test_update_id_mismatch_is_400(admin):
    ident = create(admin, name="A", actionType="Close")["actionID"]
    response = admin.put(f"/api/Actions/{ident}", json={"actionID": ident + 1, "name": "B", "actionType": "Close"})
    assert response.status_code == 400
    assert "actionID" in response.get_json()["errors"]
    missing = admin.put(f"/api/Actions/{ident}", json={"name": "B"})
    assert missing.status_code == 400 and "actionID" in missing.get_json()["errors"]
    assert admin.get(f"/api/Actions/{ident}").get_json()["name"] == "A"


def test_delete_while_linked_is_409_naming_the_links(admin):
    ident = create(admin, name="Linked", actionType="Close")["actionID"]
    link = admin.post("/api/HookActions", json={"hookName": "OnClose", "actionID": ident}).get_json()
    response = admin.delete(f"/api/Actions/{ident}")
    assert response.status_code == 409
    body = response.get_json()
    assert "OnClose" in body["title"] and "deactivate" in body["title"]
    assert body["links"] == [f"HookAction {link['hookActionID']} (hook OnClose, every channel)"]
    assert admin.get(f"/api/Actions/{ident}").status_code == 200


@pytest.mark.parametrize("fields, field", [
    ({"actionType": "Close"}, "name"),
    ({"name": "x" * 101, "actionType": "Close"}, "name"),
    ({"name": "A", "actionType": "Dance"}, "actionType"),
    ({"name": 12345, "actionType": "Close"}, "name"),
    ({"name": "A", "actionType": "Close", "bogus": 1}, "bogus"),
    ({"name": "A", "actionType": "ApiCall", "apiMethod": "GET"}, "apiEndpoint"),
    ({"name": "A", "actionType": "ApiCall", "apiEndpoint": "/x"}, "apiMethod"),
    ({"name": "A", "actionType": "ApiCall", "apiEndpoint": "/x", "apiMethod": "TRACE"}, "apiMethod"),
    ({"name": "A", "actionType": "ApiCall", "apiEndpoint": "/x", "apiMethod": "GET", "apiHeaders": "[1]"}, "apiHeaders"),
    ({"name": "A", "actionType": "Close", "fieldMapping": "{not json"}, "fieldMapping"),
    ({"name": "A", "actionType": "Close", "responseFieldMapping": "\"text\""}, "responseFieldMapping"),
    ({"name": "A", "actionType": "Forward"}, "forwardRecipients"),
    ({"name": "A", "actionType": "Forward", "forwardRecipients": "a@example.com, nope"}, "forwardRecipients"),
    ({"name": "A", "actionType": "Forward", "forwardPhoneNumber": "12"}, "forwardPhoneNumber"),
    ({"name": "A", "actionType": "Wait"}, "waitSeconds"),
    ({"name": "A", "actionType": "Wait", "waitSeconds": 0}, "waitSeconds"),
    ({"name": "A", "actionType": "Wait", "waitSeconds": "5"}, "waitSeconds"),
    ({"name": "A", "actionType": "Close", "isFunctionTool": True}, "functionParametersSchema"),
    ({"name": "A", "actionType": "Close", "isFunctionTool": True, "functionParametersSchema": "{\"type\": 12}"},
     "functionParametersSchema"),
    ({"name": "A", "actionType": "Close", "toolCallTimeoutSeconds": 0}, "toolCallTimeoutSeconds"),
    ({"name": "A", "actionType": "Close", "toolCallTimeoutSeconds": 301}, "toolCallTimeoutSeconds"),
    ({"name": "A", "actionType": "Close", "actionScheduleTimeZoneId": "Mars/Olympus"}, "actionScheduleTimeZoneId"),
    ({"name": "A", "actionType": "Close", "overrideApiBaseUrl": "ftp://x"}, "overrideApiBaseUrl"),
])
def test_validation_400_names_the_field(admin, fields, field):
    response = admin.post("/api/Actions", json=fields)
    assert response.status_code == 400, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"], response.get_json()


def test_malformed_bodies(admin):
    assert admin.post("/api/Actions", data="{oops", content_type="application/json").status_code == 400
    assert admin.post("/api/Actions", json=[1, 2]).status_code == 400
    assert admin.post("/api/Actions", data="name=x", content_type="application/x-www-form-urlencoded").status_code == 415


def test_normalisation_of_forwards_and_time_zones(admin):
    forward = create(admin, name="Fwd", actionType="Forward", forwardRecipients=" a@example.com ,b@example.org",
                     forwardPhoneNumber="03 200 00 00", actionScheduleTimeZoneId="Romance Standard Time")
    assert forward["forwardRecipients"] == "a@example.com,b@example.org"
    assert forward["forwardPhoneNumber"] == "+3232000000"
    assert forward["actionScheduleTimeZoneId"] == "Europe/Paris"
    iana = create(admin, name="Tz", actionType="Close", actionScheduleTimeZoneId="America/New_York")
    assert iana["actionScheduleTimeZoneId"] == "America/New_York"
    tool = create(admin, name="Tool", actionType="ApiCall", apiEndpoint="/o", apiMethod="GET", isFunctionTool=True,
                  functionParametersSchema='{"type": "object", "properties": {"n": {"type": "string"}}}')
    assert tool["isFunctionTool"] is True


def test_secrets_are_write_only(admin, in_app):
    created = create(admin, **CRM, overrideApiPassword="hunter2", overrideApiToken="tok-123")
    assert created["overrideApiPassword"] is None and created["overrideApiToken"] is None
    assert created["configuredSecrets"] == ["overrideApiPassword", "overrideApiToken"]
    ident = created["actionID"]
    assert "hunter2" not in admin.get(f"/api/Actions/{ident}").get_data(as_text=True)
    # left out or null keeps, "" clears, a value replaces
    admin.put(f"/api/Actions/{ident}", json={"actionID": ident, "overrideApiPassword": None})
    admin.put(f"/api/Actions/{ident}", json={"actionID": ident, "overrideApiToken": ""})
    with in_app():
        action = db.session.get(Action, ident)
        assert (action.override_api_password, action.override_api_token) == ("hunter2", None)
    assert admin.get(f"/api/Actions/{ident}").get_json()["configuredSecrets"] == ["overrideApiPassword"]


def test_custom_field_definitions_are_read(admin, in_app, tenant_a):
    from app.actions.models import CustomFieldDefinition

    ident = create(admin, name="With fields", actionType="Close")["actionID"]
    with in_app():
        db.session.add(CustomFieldDefinition(customer_id=tenant_a.id, action_id=ident, name="orderNumber",
                                             label="Order number", is_required=True))
        db.session.commit()
    fields = admin.get(f"/api/Actions/{ident}").get_json()["customFieldDefinitions"]
    assert [(f["name"], f["isRequired"]) for f in fields] == [("orderNumber", True)]


def test_other_tenant_gets_404_and_changes_nothing(api, admin, tenant_b):
    ident = create(admin, name="Mine", actionType="Close")["actionID"]
    other = api(tenant_b.admin)
    assert other.get(f"/api/Actions/{ident}").status_code == 404
    assert other.put(f"/api/Actions/{ident}", json={"actionID": ident, "name": "Theirs"}).status_code == 404
    assert other.delete(f"/api/Actions/{ident}").status_code == 404
    assert other.get("/api/Actions").get_json()["totalCount"] == 0
    assert other.get("/api/Actions/available").get_json() == []
    assert admin.get(f"/api/Actions/{ident}").get_json()["name"] == "Mine"
