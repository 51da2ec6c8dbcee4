"""/api/Topics and /api/Channels: minimal CRUD, scoped to the tenant."""
import pytest


@pytest.fixture
def admin(api, tenant_a):
    return api(tenant_a.admin)


@pytest.mark.parametrize("path, body, id_field", [
    ("/api/Topics", {"name": "Billing", "description": "Invoices"}, "topicID"),
    ("/api/Channels", {"name": "Support mail", "channelType": "Email"}, "channelID"),
])
def test_crud(admin, api, tenant_a, tenant_b, path, body, id_field):
    response = admin.post(path, json=body)
    assert response.status_code == 201
    created = response.get_json()
    assert created["isActive"] is True and created["customerID"] == tenant_a.id
    ident = created[id_field]
    assert admin.post(path, json=body).status_code == 409  # same name
    assert admin.get(f"{path}/{ident}").get_json()["name"] == body["name"]
    assert admin.get(path).get_json()["totalCount"] == 1
    assert api(tenant_a.agent).get(path).status_code == 200
    assert api(tenant_a.agent).post(path, json=body).status_code == 403
    assert api().get(path).status_code == 401

    assert admin.put(f"{path}/{ident}", json={id_field: ident, "isActive": False}).status_code == 204
    assert admin.get(f"{path}/{ident}").get_json()["isActive"] is False
    assert admin.put(f"{path}/{ident}", json={id_field: ident + 1, "name": "x"}).status_code == 400
    assert admin.put(f"{path}/{ident}", json={"name": ""}).status_code == 400

    other = api(tenant_b.admin)
    assert other.get(f"{path}/{ident}").status_code == 404
    assert other.put(f"{path}/{ident}", json={"name": "Theirs"}).status_code == 404
    assert other.delete(f"{path}/{ident}").status_code == 404
    assert other.get(path).get_json()["totalCount"] == 0

    action = admin.post("/api/Actions", json={"name": "A", "actionType": "Close"}).get_json()["actionID"]
    link = {"topicID": ident} if id_field == "topicID" else {"specialTopic": "Any", "channelID": ident}
    link_id = admin.post("/api/TopicActions", json={**link, "actionID": action}).get_json()["topicActionID"]
    in_use = admin.delete(f"{path}/{ident}")
    assert in_use.status_code == 409 and "linked" in in_use.get_json()["title"]
    admin.delete(f"/api/TopicActions/{link_id}")
    assert admin.delete(f"{path}/{ident}").status_code == 204
    assert admin.get(f"{path}/{ident}").status_code == 404


def test_channel_type_must_be_known(admin):
    response = admin.post("/api/Channels", json={"name": "Fax", "channelType": "Fax"})
    assert response.status_code == 400 and "channelType" in response.get_json()["errors"]
    assert "hasSecret" in admin.post("/api/Channels", json={"name": "Line", "channelType": "Phone"}).get_json()
