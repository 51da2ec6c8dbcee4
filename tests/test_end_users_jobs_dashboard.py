"""The dashboard's Import page, job panel and bulk changes (test client; the browser test drives them too)."""
import io
import re

from app.jobs.queue import run_queued

CSV = "lastname,email,customerType\nAnn,ann@example.com,Lead\nBob,not-a-mail,Lead\nCid,cid@example.com,Boss\n"


def test_dry_run_then_import_from_the_page(app, dashboard, api, tenant_a):
    web = dashboard(tenant_a.admin)
    assert web.get("/end-users/import").status_code == 200
    response = web.post("/end-users/import", htmx=True, content_type="multipart/form-data", data={
        "file": (io.BytesIO(CSV.encode()), "people.csv"), "mode": "upsert", "action": "check"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-status="queued"' in html and 'hx-trigger="load delay:1s, poll-retry"' in html
    job_id = int(re.search(r'id="job-(\d+)"', html)[1])
    run_queued(app)
    html = web.get(f"/end-users/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-status="succeeded"' in html and "hx-trigger" not in html
    assert 'data-count="created">1<' in html and 'data-count="failed">2<' in html
    assert "Dry run" in html and "Ann" in html and "not-a-mail" in html  # preview and refused rows
    errors = web.get(f"/end-users/jobs/{job_id}/errors.csv").get_data(as_text=True)
    assert errors.splitlines()[0] == "line,column,message" and errors.splitlines()[1].startswith("3,email,")
    assert api(tenant_a.admin).get("/api/EndUsers").get_json()["totalCount"] == 0
    html = web.post(f"/end-users/jobs/{job_id}/run", htmx=True).get_data(as_text=True)
    real = int(re.search(r'id="job-(\d+)"', html)[1])
    run_queued(app)
    html = web.get(f"/end-users/jobs/{real}").get_data(as_text=True)
    assert 'data-count="created">1<' in html and "Report" in html
    assert api(tenant_a.admin).get("/api/EndUsers").get_json()["totalCount"] == 1


def test_a_bad_file_shows_its_error_on_the_form(dashboard, tenant_a):
    web = dashboard(tenant_a.admin)
    web.get("/end-users/import")
    response = web.post("/end-users/import", htmx=True, content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"nickname\nJJ\n"), "people.csv"), "mode": "upsert", "action": "import"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Unknown column in the header: nickname" in html
    response = web.post("/end-users/import", content_type="multipart/form-data", data={"mode": "upsert"})
    assert response.status_code == 400 and "Choose a CSV file." in response.get_data(as_text=True)


def test_bulk_change_of_all_matching_confirms_the_count_and_undoes(dashboard, api, tenant_a):
    client = api(tenant_a.admin)
    for i in range(12):
        client.post("/api/EndUsers", json={"lastname": f"Smith {i}"})
    client.post("/api/EndUsers", json={"lastname": "Jones"})
    web = dashboard(tenant_a.admin)
    page = web.get("/end-users/?search=smith").get_data(as_text=True)
    assert "Apply to all 12 matching" in page and 'form="bulk-form"' in page
    form = {"search": "smith", "change": "setCustomerType:Partner", "scope": "all"}
    confirm = web.post("/end-users/bulk/confirm", data=form).get_data(as_text=True)
    assert "Change 12 end users?" in confirm and "12 end users set to Partner" in confirm
    response = web.post("/end-users/bulk", data=form)
    assert response.status_code == 302 and response.headers["Location"] == "/end-users/?search=smith"
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "12 end users set to Partner." in page and "Undo" in page
    assert client.get("/api/EndUsers?customerType=Partner").get_json()["totalCount"] == 12
    undo = re.search(r'action="(/end-users/jobs/\d+/undo)"', page)[1]
    web.post(undo)
    assert client.get("/api/EndUsers?customerType=Partner").get_json()["totalCount"] == 0
    assert "back as they were" in web.get("/end-users/").get_data(as_text=True)


def test_bulk_of_ticked_rows_and_nothing_ticked(dashboard, api, tenant_a):
    client = api(tenant_a.admin)
    ids = [client.post("/api/EndUsers", json={"lastname": f"P{i}"}).get_json()["endUserID"] for i in range(3)]
    web = dashboard(tenant_a.admin)
    web.get("/end-users/")
    response = web.post("/end-users/bulk", data={"change": "delete", "scope": "selected", "ids": ids[:2]})
    assert response.status_code == 302
    assert client.get("/api/EndUsers").get_json()["totalCount"] == 1
    response = web.post("/end-users/bulk/confirm", data={"change": "delete", "scope": "selected"})
    assert "Tick the end users" in web.get(response.headers["Location"]).get_data(as_text=True)
