"""Search follows every kind of write: a merge and its revert, bulk deletes and their undo, the CSV
import (create and upsert). After each, the API search finds the new text and not the old, on both
databases, and on SQLite the FTS5 table end_user_fts matches end_user row for row (FTS5's own
integrity-check against its content table, which fails on any row out of step)."""
from sqlalchemy import text

from app.extensions import db
from app.jobs.queue import run_queued
from tests.test_end_users_import import GOOD, imported


def found(client, term) -> list[int]:
    return sorted(u["endUserID"] for u in client.get("/api/EndUsers", query_string={"search": term}).get_json()["items"])


def assert_index_in_step(in_app):
    with in_app() as session:
        if db.engine.dialect.name == "sqlite":  # raises "database disk image is malformed" when out of step
            session.execute(text("INSERT INTO end_user_fts(end_user_fts, rank) VALUES ('integrity-check', 1)"))
            words = session.scalar(text("SELECT count(*) FROM end_user_fts"))
            rows = session.scalar(text("SELECT count(*) FROM end_user"))
            assert words == rows


def create(client, **fields) -> int:
    response = client.post("/api/EndUsers", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["endUserID"]


def test_a_merge_and_its_revert(api, tenant_a, in_app):
    client = api(tenant_a.admin)
    target = create(client, firstname="Jane", lastname="Doe", uids=[{"uid": "jane@example.com", "isPrimary": True}])
    source = create(client, firstname="Janet", lastname="Quarrington", city="Antwerp",
                    uids=[{"uidType": "Chat", "uid": "chat-zebulon", "isPrimary": True}])
    assert found(client, "zebulon") == [source] and found(client, "quarrington") == [source]
    merged = client.post(f"/api/EndUsers/{target}/merge", json={"sourceEndUserID": source})
    assert merged.status_code == 200, merged.get_json()
    assert found(client, "zebulon") == [target]  # the identifier moved to the survivor
    assert found(client, "quarrington") == []  # the merged-away person's row is gone
    assert_index_in_step(in_app)
    event = client.get("/api/AuditEvents?action=Merge").get_json()["items"][0]
    assert client.post(f"/api/AuditEvents/{event['auditEventID']}/revert").status_code == 200
    assert found(client, "zebulon") == [source] and found(client, "quarrington") == [source]
    assert found(client, "jane@example.com") == [target]
    assert_index_in_step(in_app)


def test_a_bulk_delete_and_its_undo(api, tenant_a, in_app):
    client = api(tenant_a.admin)
    leads = [create(client, lastname=f"Wolfram{i}", customerType="Lead") for i in range(4)]
    kept = create(client, lastname="Wolframite", customerType="Partner")
    response = client.post("/api/EndUsers/bulk", json={"filter": {"search": "wolfram", "customerType": "Lead"},
                                                       "operation": "delete"})
    assert response.status_code == 200 and response.get_json()["count"] == 4
    assert found(client, "wolfram") == [kept]
    assert_index_in_step(in_app)
    assert client.post(f"/api/Jobs/{response.get_json()['jobID']}/undo").status_code == 200
    assert found(client, "wolfram") == sorted([*leads, kept])
    assert_index_in_step(in_app)


def test_the_csv_import_creates_and_updates_what_search_finds(app, api, tenant_a, in_app):
    client = api(tenant_a.admin)
    job = imported(app, client, GOOD)
    assert job["result"]["created"] == 3
    jane = client.get("/api/EndUsers/byUid?uid=ERP-1").get_json()[0]["endUserID"]
    assert found(client, "jane@example.com") == [jane] and found(client, "crm-1") == [jane]
    assert_index_in_step(in_app)
    job = imported(app, client, "customerRef,lastname,uid:Crm\nERP-1,Ravensworth,crm-xylo\n")
    assert job["result"]["updated"] == 1
    assert found(client, "ravensworth") == [jane] and found(client, "crm-xylo") == [jane]
    assert found(client, "doe") == []
    assert_index_in_step(in_app)
    run_queued(app)
