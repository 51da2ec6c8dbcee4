"""end_user.search_text follows every change of a person or their identifiers, and PostgreSQL can
answer the search from its trigram index."""
import pytest
from sqlalchemy import text

from app.extensions import db


def _search(client, term):
    return [u["endUserID"] for u in client.get(f"/api/EndUsers?search={term}").get_json()["items"]]


def test_search_follows_profile_and_identifier_changes(api, tenant_a):
    client = api(tenant_a.agent)
    created = client.post("/api/EndUsers", json={"firstname": "Zoë", "lastname": "Quill",
                                                 "uids": [{"uidType": "Email", "uid": "Zoe.Quill@Example.com"}]})
    assert created.status_code == 201
    person = created.get_json()
    assert _search(client, "quill") == [person["endUserID"]]
    assert _search(client, "zoe.quill@example") == [person["endUserID"]]

    assign = client.post("/api/EndUserUIDs/assign", json={"endUserID": person["endUserID"], "uid": "quill-chat-77", "uidType": "Chat"})
    assert assign.status_code == 201
    assert _search(client, "chat-77") == [person["endUserID"]]

    uid_id = next(u["endUserUIDID"] for u in client.get(f"/api/EndUsers/{person['endUserID']}").get_json()["uids"] if u["uid"] == "quill-chat-77")
    removed = client.put(f"/api/EndUsers/{person['endUserID']}", json={"lastname": "Feather", "uids": [
        {"endUserUIDID": uid_id, "uidType": "Chat", "uid": "quill-chat-77", "markAsDeleted": True}]})
    assert removed.status_code == 204
    assert _search(client, "chat-77") == []
    assert _search(client, "quill") == [person["endUserID"]]  # still in the e-mail identifier
    assert _search(client, "feather") == [person["endUserID"]]


def test_postgresql_search_can_use_the_trigram_index(in_app):
    """The query form `search_text LIKE '%word%'` (what .contains() writes) is served by the index."""
    with in_app() as session:
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the trigram index exists on PostgreSQL only")
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in session.execute(
            text("EXPLAIN SELECT id FROM end_user WHERE search_text LIKE :pattern"), {"pattern": "%quill%"}))
    assert "ix_end_user_search_text_trgm" in plan
