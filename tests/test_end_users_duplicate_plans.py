"""Duplicate suggestions stay index lookups at a million end users: the e-mail-name block is a
range of the identifier index in byte order, and numbers written under the tenant's own types
meet Phone/WhatsApp rows through end_user_uid.uid_number. The plans are read from the database
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN with sequential scans priced out on PostgreSQL, whose
planner would read a table this small whole)."""
import pytest
from sqlalchemy import text

from app.end_users.duplicates import email_name_block, free_form_holders
from app.extensions import db


def create(client, **body):
    response = client.post("/api/EndUsers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["endUserID"]


@pytest.fixture
def client_a(api, tenant_a):
    return api(tenant_a.admin)


def _plan(session, stmt) -> str:
    dialect = session.get_bind().dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "postgresql":
        session.execute(text("ANALYZE end_user_uid"))  # statistics, as autovacuum would have them
        session.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(row[0] for row in session.execute(text("EXPLAIN " + sql)))
    return "\n".join(row[-1] for row in session.execute(text("EXPLAIN QUERY PLAN " + sql)))


def test_the_email_name_block_is_a_range_of_an_index(client_a, tenant_a, in_app):
    for n in range(30):
        create(client_a, lastname=f"P{n}", uids=[{"uid": f"person{n}@example.com"}])
    with in_app() as session:
        plan = _plan(session, email_name_block(tenant_a.id, "person7"))
        if session.get_bind().dialect.name == "postgresql":
            assert "ix_end_user_uid_email_bytewise" in plan and "Index Cond" in plan, plan
            assert "uid_lookup" in plan.split("Index Cond", 1)[1], plan  # the range is in the index condition
        else:
            assert "USING" in plan and "INDEX sqlite_autoindex_end_user_uid" in plan, plan
            assert "uid_lookup>? AND uid_lookup<?" in plan and "SCAN" not in plan, plan


def test_free_form_numbers_are_an_index_lookup(client_a, tenant_a, in_app):
    for n in range(30):
        create(client_a, lastname=f"P{n}", uids=[{"uidType": "Mobile", "uid": f"0470 00 00 {n:02d}"}])
    with in_app() as session:
        plan = _plan(session, free_form_holders(tenant_a.id, ["+32470000007"]))
        if session.get_bind().dialect.name == "postgresql":
            assert "ix_end_user_uid_number" in plan, plan
        else:
            assert "INDEX ix_end_user_uid_number (customer_id=? AND uid_number=?)" in plan and "SCAN" not in plan, plan
        assert session.execute(free_form_holders(tenant_a.id, ["+32470000007"])).all()[0][1:] == (
            "Mobile", "+32470000007")


def test_email_names_with_like_wildcards_and_free_form_numbers_meet_the_right_people(client_a):
    jan = create(client_a, firstname="Jan", lastname="Peeters", uids=[{"uid": "jan_p@one.example.com"},
                                                                     {"uidType": "Phone", "uid": "+32 470 55 66 77"}])
    same_name = create(client_a, firstname="Jan", lastname="Peters", uids=[{"uid": "jan_p@two.example.com"}])
    create(client_a, firstname="Jan", lastname="Peeters", uids=[{"uid": "janxp@three.example.com"}])  # "_" is no wildcard
    create(client_a, firstname="Jan", lastname="Peeters", uids=[{"uid": "jan_p.x@four.example.com"}])
    mobile = create(client_a, firstname="Someone", uids=[{"uidType": "Fax", "uid": "0470/55.66.77"}])
    found = client_a.get(f"/api/EndUsers/{jan}/duplicates").get_json()["items"]
    by_id = {item["endUser"]["endUserID"]: item["reason"] for item in found}
    assert by_id == {same_name: "Similar names at the same e-mail name jan_p@",
                     mobile: "Same number +32470556677 as Phone and as Fax"}


def test_an_identifier_keeps_its_number_when_its_type_or_value_changes(client_a, in_app):
    from app.end_users.models import EndUserUID

    person = create(client_a, lastname="Q", uids=[{"uidType": "Mobile", "uid": "0470 11 11 11"}])
    body = client_a.get(f"/api/EndUsers/{person}").get_json()
    uid_id = body["uids"][0]["endUserUIDID"]
    with in_app() as session:
        assert session.get(EndUserUID, uid_id).uid_number == "+32470111111"
    assert client_a.put(f"/api/EndUsers/{person}", json={"uids": [
        {"endUserUIDID": uid_id, "uidType": "Crm", "uid": "crm-77"}]}).status_code == 204
    with in_app() as session:
        assert session.get(EndUserUID, uid_id).uid_number is None
    assert client_a.put(f"/api/EndUsers/{person}", json={"uids": [
        {"endUserUIDID": uid_id, "uidType": "Pager", "uid": "+32 470 22 22 22"}]}).status_code == 204
    with in_app() as session:
        assert session.get(EndUserUID, uid_id).uid_number == "+32470222222"
        db.session.remove()
