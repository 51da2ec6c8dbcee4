"""The import writes a batch at a time: a bounded number of statements per row, the same people,
identifiers, search text, last interaction and audit history as row-by-row writes through the
API, sensible duplicates within one file, and refused rows that leave nothing."""
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import event, select

from app.channels.models import Channel
from app.end_users.models import EndUser
from app.extensions import db
from app.jobs.runner import run_job
from app.tickets.models import Ticket
from tests.test_end_users_import import errors_of, imported, upload

ROWS = 300
BATCH = 100


def _file(rows=ROWS, city="Ghent"):
    lines = ["firstname,lastname,company,city,customerRef,customerType,email,phone,uid:Crm"]
    lines += [f"Emma,Person{n},Company {n % 7},{city},ERP-{n:05d},Customer,person{n}@example.com,+3247{n:07d},crm-{n}"
              for n in range(rows)]
    return "\n".join(lines) + "\n"


def _statements_of_job(app, client, content, mode="upsert"):
    """Run the import of `content` in batches of BATCH; the statements it sent to the database."""
    job_id = upload(client, content, mode=mode).get_json()["jobID"]
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda _conn, _cursor, statement, *_args: statements.append(statement)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with app.app_context():
            run_job(job_id, batch_size=BATCH)
            db.session.remove()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return client.get(f"/api/Jobs/{job_id}").get_json(), statements


def _summary(statements):
    return Counter(s.split(None, 3)[0] + " " + s.split(None, 3)[2][:20] for s in statements if len(s.split()) > 2)


def test_statements_per_row_are_bounded_for_create_rerun_and_update(app, api, tenant_a):
    client = api(tenant_a.admin)
    job, statements = _statements_of_job(app, client, _file())
    assert job["result"]["created"] == ROWS
    # per batch: a few for the job and its errors, one lookup (+ identifiers), the INSERTs, the events
    assert len(statements) <= ROWS * 0.2, _summary(statements)

    job, statements = _statements_of_job(app, client, _file())
    assert job["result"]["unchanged"] == ROWS
    assert len(statements) <= ROWS * 0.2, _summary(statements)

    job, statements = _statements_of_job(app, client, _file(city="Leuven"))
    assert job["result"]["updated"] == ROWS
    # each changed person is one UPDATE row; SQLAlchemy groups them, a driver may send them one by one
    assert len(statements) <= ROWS * 1.15, _summary(statements)


def test_imported_people_look_like_people_created_through_the_api(app, api, tenant_a, in_app):
    client = api(tenant_a.admin)
    with in_app() as session:
        channel = Channel(customer_id=tenant_a.id, name="Mail", channel_type="Email")
        session.add(channel)
        session.flush()
        session.add(Ticket(customer_id=tenant_a.id, channel_id=channel.id, uid="Person1@Example.com",
                           last_message_date=datetime(2026, 3, 1, 12, 0)))
        session.commit()
    imported(app, client, _file(rows=3))
    row = {"firstname": "Emma", "lastname": "Person9", "company": "Company 2", "city": "Ghent",
           "customerRef": "ERP-00009", "customerType": "Customer",
           "uids": [{"uidType": "Email", "uid": "person9@example.com"}, {"uidType": "Phone", "uid": "+32470000009"},
                    {"uidType": "Crm", "uid": "crm-9"}]}
    by_api = client.post("/api/EndUsers", json=row).get_json()
    one = client.get("/api/EndUsers/byUid?uid=ERP-00001").get_json()[0]
    assert one["lastInteractionDate"] == "2026-03-01T12:00:00Z"  # the ticket's date, by the triggers
    assert [(u["uidType"], u["uid"], u["isPrimary"]) for u in one["uids"]] == [
        ("Email", "person1@example.com", True), ("Phone", "+32470000001", False), ("Crm", "crm-1", False)]
    found = client.get("/api/EndUsers?search=company 1 person1").get_json()["items"]
    assert [u["endUserID"] for u in found] == [one["endUserID"]]  # the search text (and FTS on SQLite)
    assert client.get("/api/EndUsers?search=crm-2").get_json()["items"][0]["lastname"] == "Person2"

    events = client.get("/api/AuditEvents?entityType=EndUser&action=Create&pageSize=10").get_json()["items"]
    by_entity = {e["entityId"]: e for e in events}
    imported_event, api_event = by_entity[one["endUserID"]], by_entity[by_api["endUserID"]]
    assert imported_event["actor"]["type"] == "Job" and imported_event["entityLabel"] == "Emma Person1"

    def shape(changes):
        return {k: v for k, v in changes.items() if k not in ("lastname", "customerRef", "company", "uids")}, [
            (u["uidType"], u["isPrimary"]) for u in changes["uids"]["to"]]
    assert shape(imported_event["changes"]) == shape(api_event["changes"])
    assert len(events) == 4


def test_duplicates_within_one_file_meet_the_person_an_earlier_row_made(app, api, tenant_a):
    client = api(tenant_a.admin)
    content = ("firstname,lastname,customerRef,city,email,phone\n"
               "Ann,Smith,ERP-1,Ghent,ann@example.com,\n"
               "Ann,Smith,ERP-1,Ghent,ann@example.com,\n"  # the same again: unchanged
               ",,ERP-1,Leuven,,+32 470 11 22 33\n"  # by customerRef: a new city and a phone
               "Annie,,,,ANN@example.com,\n"  # by identifier, another spelling
               "Bob,Jones,ERP-2,,bob@example.com,\n"
               ",,ERP-2,,,+32470112233\n")  # Bob by customerRef, with Ann's phone: refused
    job = imported(app, client, content)
    assert {k: job["result"].get(k, 0) for k in ("created", "updated", "unchanged", "failed")} == {
        "created": 2, "updated": 2, "unchanged": 1, "failed": 1}
    assert [(r["line"], r["column"]) for r in errors_of(client, job)] == [("7", "phone")]
    assert "Ann" in errors_of(client, job)[0]["message"]
    ann = client.get("/api/EndUsers/byUid?uid=ERP-1").get_json()
    assert len(ann) == 1 and (ann[0]["firstname"], ann[0]["city"]) == ("Annie", "Leuven")
    assert [(u["uidType"], u["uid"], u["isPrimary"]) for u in ann[0]["uids"]] == [
        ("Email", "ann@example.com", True), ("Phone", "+32470112233", False)]
    assert [u["uid"] for u in client.get("/api/EndUsers/byUid?uid=ERP-2").get_json()[0]["uids"]] == ["bob@example.com"]
    history = client.get(f"/api/AuditEvents?entityType=EndUser&entityId={ann[0]['endUserID']}").get_json()["items"]
    assert [e["action"] for e in history] == ["Update", "Update", "Create"]  # newest first
    assert history[1]["changes"]["city"] == {"from": "Ghent", "to": "Leuven"}
    assert history[0]["changes"]["firstname"] == {"from": "Ann", "to": "Annie"}
    # Run again, the rows apply in file order again: each contradicting row changes its field once
    # more, and the people end as the first run left them, with nobody new.
    again = imported(app, client, content)
    assert again["result"].get("created", 0) == 0 and again["result"]["failed"] == 1
    assert client.get("/api/EndUsers/byUid?uid=ERP-1").get_json() == ann


def test_create_mode_refuses_a_change_and_later_rows_see_the_person_as_stored(app, api, tenant_a):
    client = api(tenant_a.admin)
    imported(app, client, "firstname,customerRef,email\nCarl,ERP-7,carl@example.com\n")
    content = ("firstname,customerRef,email,phone\n"
               "Carlos,ERP-7,,+32470999888\n"  # other values: refused in create mode
               "Carl,ERP-7,carl@example.com,\n"  # what is stored: unchanged
               "Dora,ERP-8,dora@example.com,+32470999888\n")  # the phone the refused row left behind
    job = imported(app, client, content, mode="create")
    assert {k: job["result"].get(k, 0) for k in ("created", "unchanged", "failed")} == {
        "created": 1, "unchanged": 1, "failed": 1}
    assert errors_of(client, job)[0]["line"] == "2" and "upsert" in errors_of(client, job)[0]["message"]
    carl = client.get("/api/EndUsers/byUid?uid=ERP-7").get_json()[0]
    assert carl["firstname"] == "Carl" and [u["uid"] for u in carl["uids"]] == ["carl@example.com"]
    assert client.get("/api/EndUsers/byUid?uid=+32470999888").get_json()[0]["firstname"] == "Dora"


def test_a_batch_whose_flush_hits_a_constraint_goes_row_by_row(app, api, tenant_a, monkeypatch):
    """Another writer took an identifier after the batch looked: the batch is rolled back to its
    savepoint and each row runs through the operations, which name the conflict on its row."""
    from app.end_users import import_batch

    client = api(tenant_a.admin)
    taken = client.post("/api/EndUsers", json={"lastname": "Early", "uids": [{"uid": "early@example.com"}]}).get_json()
    monkeypatch.setattr(import_batch.People, "load", classmethod(lambda cls, customer_id, rows: cls(customer_id)))
    job = imported(app, client, "lastname,customerRef,email\nLate,ERP-9,early@example.com\nOther,ERP-10,o@example.com\n")
    assert job["status"] == "succeeded"
    assert {k: job["result"].get(k, 0) for k in ("created", "updated")} == {"created": 1, "updated": 1}
    early = client.get(f"/api/EndUsers/{taken['endUserID']}").get_json()
    assert early["lastname"] == "Late" and early["customerRef"] == "ERP-9"  # found by identifier, row by row
    assert len(client.get("/api/EndUsers?pageSize=10").get_json()["items"]) == 2


@pytest.mark.parametrize("mode", ["upsert", "create"])
def test_a_dry_run_of_a_batch_writes_nothing(app, api, tenant_a, in_app, mode):
    client = api(tenant_a.admin)
    job = imported(app, client, _file(rows=20), mode=mode, dry_run=True)
    assert job["result"]["created"] == 20
    with in_app() as session:
        assert session.scalars(select(EndUser).where(EndUser.customer_id == tenant_a.id)).all() == []
