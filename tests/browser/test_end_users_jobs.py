"""Import and bulk changes in a real browser, with the app's own job worker thread running."""
import csv
import io
import sys
import traceback

import pytest
from playwright.sync_api import expect

from app.end_users.models import EndUser
from app.jobs.models import Job
from app.jobs.queue import start_embedded_worker


def _worker_state(app, worker, in_app, panel) -> str:
    """What the worker was doing, for a job whose panel never showed its end (seen on a loaded CI machine on
    PostgreSQL, never reproduced): the job's row, the worker alive or not, the queue's length, its stack."""
    job_id = int(panel.get_attribute("id").removeprefix("job-"))
    with in_app() as session:
        job = session.get(Job, job_id)
        row = f"job {job_id}: {job.status}, {job.done} of {job.total}, attempts {job.attempts}"
    frame = sys._current_frames().get(worker.ident)
    stack = "".join(traceback.format_stack(frame)) if frame else "(no frame)"
    return (f"{row}; worker alive={worker.is_alive()}, tasks queued={app.extensions['jobs']['huey'].pending_count()}\n"
            f"{stack}")


@pytest.fixture
def worker(app):
    """The embedded worker, as a plain `flask run` starts it; stopped again for the other tests."""
    running = start_embedded_worker(app)
    yield running
    running.stop()


def test_import_with_bad_rows_progress_to_report_and_error_file(app, page, live_server, login, tenant_a, worker, tmp_path,
                                                                   in_app):
    rows = ["firstname,lastname,email,customerType"]
    rows += [f"Person,{i},person{i}@example.com,Customer" for i in range(1, 81)]
    rows[5] = "Broken,Mail,not-an-email,Lead"  # line 6
    rows[40] = "Broken,Type,type@example.com,Boss"  # line 41
    path = tmp_path / "people.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    login(page, tenant_a.admin)
    page.goto(f"{live_server}/end-users/")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(str(path))

    page.get_by_role("button", name="Check the file (dry run)").click()
    panel = page.locator("section.job")
    try:
        expect(panel).to_have_attribute("data-status", "succeeded", timeout=60_000)
    except AssertionError as error:
        raise AssertionError(_worker_state(app, worker, in_app, panel)) from error
    expect(panel.locator('[data-count="created"]')).to_have_text("78")
    expect(panel.locator('[data-count="failed"]')).to_have_text("2")
    expect(panel.locator("table.preview")).to_contain_text("person1@example.com")
    expect(panel.locator("table.job-errors tbody tr")).to_have_count(2)

    page.get_by_role("button", name="Import these rows").click()
    expect(page.locator("section.job progress")).to_be_visible()
    expect(panel).to_have_attribute("data-status", "succeeded", timeout=90_000)
    expect(page.locator("section.job progress")).to_have_attribute("value", "100")
    expect(panel.locator('[data-count="created"]')).to_have_text("78")
    expect(panel.locator("table.job-errors")).to_contain_text("Not a valid e-mail address")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error file (CSV)").click()
    content = download.value.path().read_text(encoding="utf-8")
    lines = list(csv.reader(io.StringIO(content)))
    assert lines[0] == ["line", "column", "message"]
    assert [(line, column) for line, column, _ in lines[1:]] == [("6", "email"), ("41", "customerType")]


def test_the_progress_panel_asks_again_after_its_poll_fails(page, live_server, login, tenant_a, worker, tmp_path):
    """Two polls in a row never reach the server (a dropped connection): the panel keeps asking and shows the
    report, where it used to stay on "Waiting to start…" for good."""
    path = tmp_path / "three.csv"
    path.write_text("lastname,email\nOne,one@example.com\nTwo,two@example.com\nThree,three@example.com\n")
    dropped = []

    def drop_two_polls(route):
        if route.request.headers.get("hx-request") and len(dropped) < 2:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    login(page, tenant_a.admin)
    page.goto(f"{live_server}/end-users/import")
    page.route("**/end-users/jobs/*", drop_two_polls)
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file (dry run)").click()
    panel = page.locator("section.job")
    expect(panel).to_have_attribute("data-status", "succeeded", timeout=30_000)
    assert len(dropped) == 2
    expect(panel.locator('[data-count="created"]')).to_have_text("3")
    expect(page.locator(".toast-error").first).to_contain_text("Could not reach the server")


def test_bulk_change_the_type_of_all_matching_rows_and_undo(page, live_server, login, tenant_a, in_app):
    with in_app() as session:
        session.add_all([EndUser(customer_id=tenant_a.id, lastname=f"Smith {i:02}", customer_type="Lead") for i in range(30)])
        session.add(EndUser(customer_id=tenant_a.id, lastname="Jones", customer_type="Lead"))
        session.commit()
    login(page, tenant_a.agent)
    page.goto(f"{live_server}/end-users/")
    page.get_by_label("Search end users").press_sequentially("smith", delay=40)
    expect(page.get_by_role("button", name="Apply to all 30 matching…")).to_be_visible()
    page.get_by_label("With the end users").select_option(label="Set type to Partner")
    page.get_by_role("button", name="Apply to all 30 matching…").click()
    expect(page.get_by_role("heading", name="Change 30 end users?")).to_be_visible()
    page.get_by_role("button", name="30 end users set to Partner: confirm").click()
    toast = page.locator(".toast-undo")
    expect(toast).to_contain_text("30 end users set to Partner.")
    page.goto(f"{live_server}/end-users/?customerType=Partner")
    expect(page.get_by_role("button", name="Apply to all 30 matching…")).to_be_visible()

    # tick two rows of the list and delete only those
    page.get_by_label("Select Smith 00").check()
    page.get_by_label("Select Smith 01").check()
    page.get_by_label("With the end users").select_option(label="Delete")
    page.get_by_role("button", name="Apply to the ticked rows…").click()
    expect(page.get_by_role("heading", name="Delete 2 end users?")).to_be_visible()
    page.get_by_role("button", name="2 end users deleted: confirm").click()
    expect(page.locator(".toast-undo")).to_contain_text("2 end users deleted.")
    page.locator(".toast-undo").get_by_role("button", name="Undo").click()
    expect(page.locator(".toast")).to_contain_text("Undone: 2 end users back as they were.")
    with in_app() as session:
        assert session.query(EndUser).filter_by(customer_id=tenant_a.id, customer_type="Partner").count() == 30
