"""CSV import as a background job: POST /api/EndUsers/import, GET /api/Jobs/{id}, errors.csv."""
import csv
import io

import pytest
from sqlalchemy import func, select

from app.end_users.models import EndUser
from app.jobs.models import Job
from app.jobs.queue import run_queued

GOOD = (
    "firstname,lastname,customerRef,customerType,country,email,phone,uid:Crm\n"
    "Jane,Doe,ERP-1,Customer,BE,jane@example.com,+32 470 12 34 56,crm-1\n"
    "John,Roe,ERP-2,,NL,john@example.com,,\n"
    "Bad,Mail,ERP-3,Lead,BE,not-an-email,,\n"
    "Bad,Type,ERP-4,Boss,BE,boss@example.com,,\n"
    "\n"
    "\"Multi\nLine\",Quoted,ERP-5,Partner,FR,multi@example.com,,\n"
)


def upload(client, content, mode="upsert", dry_run=False, name="people.csv"):
    data = {"file": (io.BytesIO(content if isinstance(content, bytes) else content.encode()), name), "mode": mode,
            "dryRun": "true" if dry_run else "false"}
    return client.post("/api/EndUsers/import", data=data, content_type="multipart/form-data")


def imported(app, client, content, **kw):
    response = upload(client, content, **kw)
    assert response.status_code == 202, response.get_json()
    assert response.headers["Location"] == f"/api/Jobs/{response.get_json()['jobID']}"
    run_queued(app)
    return client.get(response.headers["Location"]).get_json()


def errors_of(client, job):
    response = client.get(f"/api/Jobs/{job['jobID']}/errors.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def people(in_app, customer_id):
    with in_app() as session:
        return session.scalar(select(func.count()).select_from(EndUser).where(EndUser.customer_id == customer_id))


def test_import_counts_writes_and_lists_every_refused_row(app, api, tenant_a, in_app):
    client = api(tenant_a.admin)
    job = imported(app, client, GOOD)
    assert job["status"] == "succeeded" and job["kind"] == "import"
    assert job["progress"] == {"done": 5, "total": 5}
    assert {k: job["result"].get(k, 0) for k in ("created", "updated", "unchanged", "failed")} == {
        "created": 3, "updated": 0, "unchanged": 0, "failed": 2}
    assert job["finishedAt"].endswith("Z")
    rows = errors_of(client, job)
    assert [(r["line"], r["column"]) for r in rows] == [("4", "email"), ("5", "customerType")]
    assert "e-mail" in rows[0]["message"]
    jane = client.get("/api/EndUsers/byUid?uid=ERP-1").get_json()[0]
    assert jane["customerType"] == "Customer"
    assert {(u["uidType"], u["uid"]) for u in jane["uids"]} == {
        ("Email", "jane@example.com"), ("Phone", "+32470123456"), ("Crm", "crm-1")}
    multi = client.get("/api/EndUsers/byUid?uid=ERP-5").get_json()[0]
    assert multi["firstname"] == "Multi\nLine"
    events = client.get("/api/AuditEvents?action=Import").get_json()["items"]
    assert len(events) == 1 and events[0]["changes"]["created"] == {"from": None, "to": 3}
    assert events[0]["actor"]["type"] == "Job"


@pytest.mark.parametrize("mode", ["upsert", "create"])
def test_running_the_same_file_again_changes_nothing(app, api, tenant_a, in_app, mode):
    client = api(tenant_a.admin)
    imported(app, client, GOOD, mode=mode)
    before = client.get("/api/AuditEvents?pageSize=100").get_json()["totalCount"]
    again = imported(app, client, GOOD, mode=mode)
    assert again["result"]["unchanged"] == 3 and again["result"]["failed"] == 2
    assert again["result"].get("created", 0) == 0 and again["result"].get("updated", 0) == 0
    assert people(in_app, tenant_a.id) == 3
    after = client.get("/api/AuditEvents?pageSize=100").get_json()
    assert after["totalCount"] == before + 2  # the job's Create and its Import event: no record changed


def test_upsert_updates_by_customer_ref_then_identifier_and_create_refuses(app, api, tenant_a):
    client = api(tenant_a.admin)
    imported(app, client, GOOD)
    change = "customerRef;city;email\nERP-1;Antwerp;\n;Ghent;john@example.com\n"  # semicolons, BOM below
    job = imported(app, client, b"\xef\xbb\xbf" + change.encode())
    assert job["result"]["updated"] == 2
    assert client.get("/api/EndUsers/byUid?uid=ERP-1").get_json()[0]["city"] == "Antwerp"
    assert client.get("/api/EndUsers/byUid?uid=john@example.com").get_json()[0]["city"] == "Ghent"
    refused = imported(app, client, "customerRef,city\nERP-1,Bruges\n", mode="create")
    assert refused["result"]["failed"] == 1
    assert "upsert" in errors_of(client, refused)[0]["message"]


def test_dry_run_counts_and_writes_nothing(app, api, tenant_a, in_app):
    client = api(tenant_a.admin)
    job = imported(app, client, GOOD, dry_run=True)
    assert job["status"] == "succeeded" and job["result"]["created"] == 3 and job["result"]["failed"] == 2
    assert len(errors_of(client, job)) == 2
    assert people(in_app, tenant_a.id) == 0
    assert client.get("/api/AuditEvents?action=Import").get_json()["totalCount"] == 0


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8"),
    ("firstname,lastname\nJos\xe9,X\n".encode("latin-1"), "not UTF-8"),
    (b"", "empty"),
    (b"\xef\xbb\xbf\r\n", "empty"),
    ("firstname,nickname,e-mail\nJane,JJ,j@example.com\n".encode(), "Unknown columns in the header: nickname, e-mail"),
    (b"firstname,firstname\nA,B\n", "twice"),
    (b"firstname\0,lastname\nA,B\n", "binary"),
])
def test_a_file_that_cannot_be_imported_is_a_400_naming_the_problem(app, api, tenant_a, content, message):
    response = upload(api(tenant_a.admin), content)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert message in response.get_json()["errors"]["file"][0]


def test_missing_file_bad_mode_and_too_large(app, api, tenant_a):
    client = api(tenant_a.admin)
    response = client.post("/api/EndUsers/import", data={"mode": "upsert"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "file" in response.get_json()["errors"]
    response = upload(client, GOOD, mode="replace")
    assert response.status_code == 400 and "mode" in response.get_json()["errors"]
    limit = app.config["IMPORT_MAX_BYTES"]
    big = ("firstname\n" + "x" * 60 + "\n") * (limit // 61 + 10)
    response = upload(client, big)
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_a_job_that_dies_mid_run_keeps_whole_batches_and_says_where_it_stopped(app, api, tenant_a, in_app, monkeypatch):
    from app.end_users import import_batch
    from app.jobs.runner import run_job

    client = api(tenant_a.admin)
    rows = "".join(f"P{i},person{i}@example.com\n" for i in range(1, 26))
    response = upload(client, "lastname,email\n" + rows)
    job_id = response.get_json()["jobID"]
    real = import_batch.build_end_user

    def dies_at_person_17(customer_id, data):
        if data["lastname"] == "P17":
            raise RuntimeError("disk on fire")
        return real(customer_id, data)

    monkeypatch.setattr(import_batch, "build_end_user", dies_at_person_17)
    with app.app_context():
        run_job(job_id, batch_size=10)  # batch 1-10 commits; 11-20 holds P17 and dies
    job = client.get(f"/api/Jobs/{job_id}").get_json()
    assert job["status"] == "failed" and job["progress"]["done"] == 10
    assert job["result"]["stoppedAt"] == {"done": 10, "line": 12} and "disk on fire" in job["result"]["error"]
    assert people(in_app, tenant_a.id) == 10  # the first batch whole, nothing of the second
    monkeypatch.setattr(import_batch, "build_end_user", real)
    again = imported(app, client, "lastname,email\n" + rows)
    assert again["result"]["unchanged"] == 10 and again["result"]["created"] == 15


def test_cancel_a_queued_job_and_an_ended_one(app, api, tenant_a, in_app):
    client = api(tenant_a.admin)
    job_id = upload(client, GOOD).get_json()["jobID"]
    response = client.post(f"/api/Jobs/{job_id}/cancel")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    run_queued(app)
    assert client.get(f"/api/Jobs/{job_id}").get_json()["status"] == "cancelled"
    assert people(in_app, tenant_a.id) == 0
    assert client.post(f"/api/Jobs/{job_id}/cancel").status_code == 409


def test_another_tenants_job_is_404(app, api, tenant_a, tenant_b):
    job_id = upload(api(tenant_a.admin), GOOD).get_json()["jobID"]
    other = api(tenant_b.admin)
    for method, path in (("GET", f"/api/Jobs/{job_id}"), ("POST", f"/api/Jobs/{job_id}/cancel"),
                         ("GET", f"/api/Jobs/{job_id}/errors.csv"), ("POST", f"/api/Jobs/{job_id}/undo")):
        response = other.open(method, path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json", path
    with app.app_context():
        from app.extensions import db
        assert db.session.get(Job, job_id).status == "queued"
        db.session.remove()


def test_errors_csv_escapes_formulas(app, api, tenant_a):
    client = api(tenant_a.admin)
    job = imported(app, client, "email\n=HYPERLINK(\"http://x\")\n")
    assert errors_of(client, job)[0]["message"].startswith("'") or not errors_of(client, job)[0]["message"].startswith("=")
