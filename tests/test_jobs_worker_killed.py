"""A job whose worker process is killed mid-run (SIGKILL, as an out-of-memory kill or a lost host).

A real `flask --app wsgi jobs-worker` process runs an import on the test database and the test's
SQLite queue file; it is killed while its job runs. The database then holds whole batches only
and the job still says "running"; the next worker that starts finds its stale heartbeat and
resumes it from its last committed batch (or, out of attempts, marks it failed saying where).
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.end_users.models import EndUser, EndUserUID
from app.jobs.models import Job
from app.jobs.queue import _extension, start_embedded_worker
from tests.test_end_users_import import upload

ROOT = Path(__file__).resolve().parents[1]
ROWS, BATCH = 150, 10
CSV = "lastname,email\n" + "".join(f"Person {i},person{i}@example.com\n" for i in range(1, ROWS + 1))


def start_worker(app, folder: Path, name: str, **settings) -> subprocess.Popen:
    env = {**os.environ, "SWITCHBOARD_ENV": "development", "SWITCHBOARD_INSTANCE_DIR": str(folder),
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "JOBS_QUEUE_FILE": app.config["JOBS_QUEUE_FILE"],
           "JOBS_BATCH_SIZE": str(BATCH), "REDIS_URL": "", **{k: str(v) for k, v in settings.items()}}
    log = open(folder / f"{name}.log", "wb")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs-worker", "--workers", "1"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def job_row(in_app, job_id: int) -> dict:
    with in_app() as session:
        job = session.get(Job, job_id)
        return {"status": job.status, "done": job.done, "result": dict(job.result or {})}


def wait_for(in_app, job_id: int, until, worker: subprocess.Popen | None, folder: Path,
             seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = job_row(in_app, job_id)
        if until(row):
            return row
        assert worker is None or worker.poll() is None, (folder / "worker.log").read_text()[-3000:]
        time.sleep(0.01)
    pytest.fail(f"job {job_id} never got there: {job_row(in_app, job_id)}")


def stored(in_app, customer_id: int) -> dict:
    with in_app() as session:
        def count(model, *where):
            return session.scalar(select(func.count()).select_from(model).where(model.customer_id == customer_id, *where))
        return {"people": count(EndUser), "emails": count(EndUserUID, EndUserUID.uid_type == "Email"),
                "created events": count(AuditEvent, AuditEvent.action == "Create", AuditEvent.entity_type == "EndUser")}


def whole_batches(n: int) -> dict:
    return {"people": n, "emails": n, "created events": n}


@pytest.fixture
def killed_mid_run(app, api, tenant_a, in_app):
    """An import of ROWS rows whose worker was SIGKILLed after two or more committed batches."""
    with app.app_context():
        _extension(app)["huey"].flush()  # tasks other tests left behind
    folder = Path(tempfile.mkdtemp(prefix="switchboard-killed-"))
    client = api(tenant_a.admin)
    job_id = upload(client, CSV, mode="create").get_json()["jobID"]
    worker = start_worker(app, folder, "worker", JOBS_HEARTBEAT_TIMEOUT=60)
    try:
        wait_for(in_app, job_id, lambda row: row["done"] >= 2 * BATCH, worker, folder)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    yield client, job_id, folder
    for log in folder.glob("*.log"):
        log.unlink()
    folder.rmdir() if not any(folder.iterdir()) else None


def test_a_killed_worker_leaves_whole_batches_and_the_next_worker_resumes_the_job(app, tenant_a, in_app, dashboard,
                                                                                  killed_mid_run):
    client, job_id, folder = killed_mid_run
    row = job_row(in_app, job_id)
    done = row["done"]
    assert row["status"] == "running" and 0 < done < ROWS and done % BATCH == 0, row
    assert row["result"].get("created") == done
    assert stored(in_app, tenant_a.id) == whole_batches(done)  # nothing of the batch it was writing

    worker = start_worker(app, folder, "worker", JOBS_HEARTBEAT_TIMEOUT=1)
    try:
        wait_for(in_app, job_id, lambda r: r["status"] not in ("queued", "running"), worker, folder)
    finally:
        worker.terminate()
        worker.wait(10)
    job = client.get(f"/api/Jobs/{job_id}").get_json()
    assert job["status"] == "succeeded" and job["progress"] == {"done": ROWS, "total": ROWS}
    assert job["result"]["created"] == ROWS and not job["result"].get("failed")
    assert [{k: v for k, v in r.items() if k != "at"} for r in job["result"]["restarts"]] == [
        {"done": done, "line": done + 2}]
    assert stored(in_app, tenant_a.id) == whole_batches(ROWS)  # every row once: none lost, none twice
    imports = client.get("/api/AuditEvents?action=Import").get_json()["items"]
    assert len(imports) == 1 and imports[0]["changes"]["created"] == {"from": None, "to": ROWS}
    html = dashboard(tenant_a.admin).get(f"/end-users/jobs/{job_id}").get_data(as_text=True)
    assert f"stopped without finishing at line {done + 2} ({done} done, all saved); it went on from there" in html
    assert f'data-count="created">{ROWS}<' in html


def test_out_of_attempts_the_app_processs_own_worker_fails_the_job_saying_where_it_stopped(
        app, tenant_a, in_app, dashboard, killed_mid_run, monkeypatch):
    client, job_id, folder = killed_mid_run
    done = job_row(in_app, job_id)["done"]
    monkeypatch.setitem(app.config, "JOBS_HEARTBEAT_TIMEOUT", 1)
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 1)
    worker = start_embedded_worker(app)  # the default set-up's worker: a thread of the app process
    try:
        wait_for(in_app, job_id, lambda r: r["status"] not in ("queued", "running"), None, folder)
    finally:
        worker.stop()
    job = client.get(f"/api/Jobs/{job_id}").get_json()
    assert job["status"] == "failed" and job["progress"] == {"done": done, "total": ROWS}
    assert job["result"]["stoppedAt"] == {"done": done, "line": done + 2}
    assert "worker running it stopped without a word" in job["result"]["error"]
    assert job["finishedAt"] and job["result"]["created"] == done
    assert stored(in_app, tenant_a.id) == whole_batches(done)
    imports = client.get("/api/AuditEvents?action=Import").get_json()["items"]
    assert len(imports) == 1 and imports[0]["changes"]["created"] == {"from": None, "to": done}
    html = dashboard(tenant_a.admin).get(f"/end-users/jobs/{job_id}").get_data(as_text=True)
    assert 'data-status="failed"' in html and f"Stopped at line {done + 2} ({done} done)" in html
