"""POST /api/EndUsers/bulk and the undo of a bulk change (POST /api/Jobs/{id}/undo)."""
from sqlalchemy import func, insert, select

from app.end_users.models import EndUser
from app.jobs.queue import run_queued


def make_people(client, count, customer_type="Lead", prefix="p"):
    return [client.post("/api/EndUsers", json={"lastname": f"{prefix}{i}", "customerType": customer_type}).get_json()["endUserID"]
            for i in range(count)]


def types(client, ids):
    return [client.get(f"/api/EndUsers/{i}").get_json()["customerType"] for i in ids]


def test_set_type_by_ids_then_undo(api, tenant_a):
    client = api(tenant_a.admin)
    ids = make_people(client, 3)
    response = client.post("/api/EndUsers/bulk", json={"ids": ids[:2], "operation": "setCustomerType", "value": "Customer"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["count"] == 2
    assert types(client, ids) == ["Customer", "Customer", "Lead"]
    events = client.get("/api/AuditEvents?action=Update&entityType=EndUser").get_json()["items"]
    assert len(events) == 2 and all(e["changes"] == {"customerType": {"from": "Lead", "to": "Customer"}} for e in events)
    undo = client.post(f"/api/Jobs/{body['jobID']}/undo")
    assert undo.status_code == 200 and undo.get_json() == {"reverted": 2, "failed": 0, "reasons": []}
    assert types(client, ids) == ["Lead", "Lead", "Lead"]
    assert client.post(f"/api/Jobs/{body['jobID']}/undo").status_code == 409


def test_delete_by_filter_matches_every_page_and_undo_brings_them_back(api, tenant_a):
    client = api(tenant_a.admin)
    leads = make_people(client, 12, prefix="lead")
    partners = make_people(client, 2, "Partner", prefix="partner")
    response = client.post("/api/EndUsers/bulk", json={"filter": {"customerType": "Lead"}, "operation": "delete"})
    assert response.status_code == 200 and response.get_json()["count"] == 12
    assert client.get("/api/EndUsers").get_json()["totalCount"] == 2
    client.post(f"/api/Jobs/{response.get_json()['jobID']}/undo")
    assert client.get("/api/EndUsers?customerType=Lead").get_json()["totalCount"] == 12
    assert client.get(f"/api/EndUsers/{leads[0]}").status_code == 200 and partners


def test_search_filter_and_bad_bodies(api, tenant_a):
    client = api(tenant_a.admin)
    make_people(client, 3, prefix="smith")
    make_people(client, 2, prefix="jones")
    response = client.post("/api/EndUsers/bulk", json={"filter": {"search": "smith"}, "operation": "setCustomerType",
                                                       "value": "Partner"})
    assert response.get_json()["count"] == 3
    assert client.get("/api/EndUsers?customerType=Partner").get_json()["totalCount"] == 3
    for body, field in (
        ({"operation": "delete"}, "ids"),
        ({"ids": [1], "filter": {}, "operation": "delete"}, "ids"),
        ({"ids": [1], "operation": "setCustomerType"}, "value"),
        ({"ids": [1], "operation": "setCustomerType", "value": "Boss"}, "value"),
        ({"ids": [1], "operation": "rename"}, "operation"),
        ({"ids": ["x"], "operation": "delete"}, "ids[0]"),
        ({"filter": {"customerType": "Boss"}, "operation": "delete"}, "filter.customerType"),
        ({"filter": {"color": "red"}, "operation": "delete"}, "filter.color"),
    ):
        response = client.post("/api/EndUsers/bulk", json=body)
        assert response.status_code == 400 and field in response.get_json()["errors"], (body, response.get_json())


def test_another_tenants_ids_are_not_found_and_untouched(api, tenant_a, tenant_b):
    mine = make_people(api(tenant_a.admin), 2)
    other = api(tenant_b.admin)
    response = other.post("/api/EndUsers/bulk", json={"ids": mine, "operation": "delete"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    response = other.post("/api/EndUsers/bulk", json={"filter": {}, "operation": "delete"})
    assert response.status_code == 200 and response.get_json()["count"] == 0
    assert api(tenant_a.admin).get("/api/EndUsers").get_json()["totalCount"] == 2


def test_more_than_a_thousand_become_a_job(app, api, tenant_a, in_app):
    client = api(tenant_a.admin)
    with in_app() as session:
        session.execute(insert(EndUser), [{"customer_id": tenant_a.id, "lastname": f"n{i}", "customer_type": "Lead"}
                                          for i in range(1100)])
        session.commit()
    response = client.post("/api/EndUsers/bulk", json={"filter": {}, "operation": "setCustomerType", "value": "Customer"})
    assert response.status_code == 202
    job = client.get(response.headers["Location"]).get_json()
    assert job["kind"] == "bulk" and job["status"] == "queued" and job["progress"] == {"done": 0, "total": 1100}
    run_queued(app)
    job = client.get(response.headers["Location"]).get_json()
    assert job["status"] == "succeeded" and job["progress"]["done"] == 1100
    assert client.get("/api/EndUsers?customerType=Customer").get_json()["totalCount"] == 1100
    undo = client.post(f"/api/Jobs/{job['jobID']}/undo")
    assert undo.status_code == 202
    run_queued(app)
    assert client.get(undo.headers["Location"]).get_json()["result"]["reverted"] == 1100
    with in_app() as session:
        assert session.scalar(select(func.count()).select_from(EndUser).where(
            EndUser.customer_id == tenant_a.id, EndUser.customer_type == "Lead")) == 1100
