"""The reaper (app/jobs/reaper.py) in the test process: which stale jobs it resumes, fails or cancels,
and that a run it gave up on cannot write another batch. (tests/test_jobs_worker_killed.py kills a
real worker process.)"""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.actors import Actor
from app.end_users import import_batch
from app.end_users.models import EndUser
from app.extensions import db
from app.jobs.models import Job
from app.jobs.operations import queue_job
from app.jobs.queue import _extension, run_queued
from app.jobs.reaper import reap_in, reap_stale_jobs
from app.jobs.runner import Superseded, own_job, run_job
from app.timeutil import utcnow
from app.unit_of_work import unit_of_work
from tests.test_end_users_import import upload

ROWS = "lastname,email\n" + "".join(f"P{i},person{i}@example.com\n" for i in range(1, 26))


class WorkerDied(BaseException):
    """Not an Exception: like a SIGKILL, nothing in the runner gets to record it."""


def _killed_at_person_17(app, client, monkeypatch) -> int:
    job_id = upload(client, ROWS).get_json()["jobID"]
    real = import_batch.build_end_user

    def dies(customer_id, data):
        if data["lastname"] == "P17":
            raise WorkerDied()
        return real(customer_id, data)

    monkeypatch.setattr(import_batch, "build_end_user", dies)
    with app.app_context(), pytest.raises(WorkerDied):
        run_job(job_id, batch_size=10)  # 1-10 commit; 11-20 is being written when the worker dies
    monkeypatch.setattr(import_batch, "build_end_user", real)
    return job_id


def _age_heartbeat(app, job_id: int, seconds: float) -> None:
    with app.app_context(), unit_of_work():
        db.session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(seconds=seconds)))


def _reap(app) -> list[int]:
    with app.app_context():
        try:
            return reap_stale_jobs()
        finally:
            db.session.remove()


def _people(in_app, customer_id) -> int:
    with in_app() as session:
        return session.scalar(select(func.count()).select_from(EndUser).where(EndUser.customer_id == customer_id))


def test_a_stale_job_is_resumed_from_its_last_batch_and_a_fresh_one_left_alone(app, api, tenant_a, in_app, monkeypatch,
                                                                               dashboard):
    client = api(tenant_a.admin)
    job_id = _killed_at_person_17(app, client, monkeypatch)
    job = client.get(f"/api/Jobs/{job_id}").get_json()
    assert job["status"] == "running" and job["progress"]["done"] == 10 and _people(in_app, tenant_a.id) == 10
    assert job["heartbeatAt"].endswith("Z")

    web = dashboard(tenant_a.admin)
    _age_heartbeat(app, job_id, app.config["JOBS_HEARTBEAT_TIMEOUT"] - 5)
    assert "No sign of life" not in web.get(f"/end-users/jobs/{job_id}").get_data(as_text=True)
    assert _reap(app) == []  # still inside the timeout: its worker may only be slow
    _age_heartbeat(app, job_id, app.config["JOBS_HEARTBEAT_TIMEOUT"] + 5)
    html = web.get(f"/end-users/jobs/{job_id}").get_data(as_text=True)
    assert "No sign of life from the worker running this job" in html and "after its 10 saved rows" in html
    assert _reap(app) == [job_id]
    job = client.get(f"/api/Jobs/{job_id}").get_json()
    assert job["status"] == "queued" and job["progress"]["done"] == 10
    assert [{k: v for k, v in r.items() if k != "at"} for r in job["result"]["restarts"]] == [{"done": 10, "line": 12}]
    assert _reap(app) == []  # queued again: nothing more to do

    run_queued(app)
    job = client.get(f"/api/Jobs/{job_id}").get_json()
    assert job["status"] == "succeeded" and job["progress"] == {"done": 25, "total": 25}
    assert job["result"]["created"] == 25 and _people(in_app, tenant_a.id) == 25
    with in_app() as session:
        assert session.get(Job, job_id).attempts == 2


def test_a_run_the_reaper_gave_up_on_cannot_write_another_batch(app, api, tenant_a, monkeypatch):
    client = api(tenant_a.admin)
    job_id = _killed_at_person_17(app, client, monkeypatch)
    _age_heartbeat(app, job_id, app.config["JOBS_HEARTBEAT_TIMEOUT"] + 5)
    _reap(app)
    with app.app_context(), unit_of_work():
        with pytest.raises(Superseded):
            own_job(job_id, 1)  # the first run, waking up after its job was handed on
        db.session.execute(update(Job).where(Job.id == job_id).values(status="running", attempts=2))
    with app.app_context(), unit_of_work(), pytest.raises(Superseded):
        own_job(job_id, 1)  # the second run holds it now


def test_out_of_attempts_a_job_fails_and_a_cancelled_one_ends_cancelled(app, api, tenant_a, in_app, monkeypatch):
    client = api(tenant_a.admin)
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 1)
    failed = _killed_at_person_17(app, client, monkeypatch)
    cancelled = _killed_at_person_17(app, client, monkeypatch)
    with app.app_context(), unit_of_work():
        db.session.execute(update(Job).where(Job.id == cancelled).values(cancel_requested=True))
    for job_id in (failed, cancelled):
        _age_heartbeat(app, job_id, app.config["JOBS_HEARTBEAT_TIMEOUT"] + 5)
    assert sorted(_reap(app)) == sorted([failed, cancelled])
    job = client.get(f"/api/Jobs/{failed}").get_json()
    assert job["status"] == "failed" and job["finishedAt"]
    assert job["result"]["stoppedAt"] == {"done": 10, "line": 12} and job["result"]["created"] == 10
    assert "worker running it stopped without a word" in job["result"]["error"]
    job = client.get(f"/api/Jobs/{cancelled}").get_json()
    assert job["status"] == "cancelled" and job["result"]["stoppedAt"] == {"done": 10, "line": 12}
    assert _people(in_app, tenant_a.id) == 10  # the same ten people: the second file found them unchanged
    imports = client.get("/api/AuditEvents?action=Import").get_json()["items"]
    assert len(imports) == 2  # each import still reports what it did


def test_an_undo_whose_worker_died_is_failed_not_resumed(app, tenant_a):
    with app.app_context(), unit_of_work():
        job = queue_job(tenant_a.id, Actor.cli("tests"), "undo", 1500, {"jobID": 0, "label": "Bulk change job 0"})
        job.status, job.done, job.attempts = "running", 500, 1
        job.heartbeat_at = utcnow() - timedelta(seconds=app.config["JOBS_HEARTBEAT_TIMEOUT"] + 5)
        db.session.flush()
        job_id = job.id
    _reap(app)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == "failed" and job.result["stoppedAt"] == {"done": 500}
        assert "stopped without a word" in job.result["error"]
        db.session.remove()


def _pending_tasks(app) -> int:
    with app.app_context():
        return _extension(app)["huey"].pending_count()


def test_a_queued_job_whose_task_was_lost_is_queued_again_after_the_timeout(app, api, tenant_a, in_app):
    with app.app_context():
        _extension(app)["huey"].flush()  # tasks other tests left behind
    client = api(tenant_a.admin)
    job_id = upload(client, ROWS).get_json()["jobID"]
    assert _pending_tasks(app) == 1
    with app.app_context():
        _extension(app)["huey"].flush()  # the task is lost: the queue file or Redis was wiped
    reap_in(app)
    assert _pending_tasks(app) == 0  # inside the timeout it may only be waiting its turn

    with app.app_context(), unit_of_work():
        db.session.execute(update(Job).where(Job.id == job_id).values(
            enqueued_at=utcnow() - timedelta(seconds=app.config["JOBS_HEARTBEAT_TIMEOUT"] + 5)))
    reap_in(app)
    assert _pending_tasks(app) == 1
    reap_in(app)
    assert _pending_tasks(app) == 1  # enqueued just now: not again

    run_queued(app)
    job = client.get(f"/api/Jobs/{job_id}").get_json()
    assert job["status"] == "succeeded" and job["result"]["created"] == 25 and _people(in_app, tenant_a.id) == 25
    with in_app() as session:
        assert session.get(Job, job_id).attempts == 1


def test_a_second_task_for_a_job_runs_it_once(app, api, tenant_a, in_app):
    """What the re-queue of a job that only waited its turn comes to: the later task finds nothing to run."""
    client = api(tenant_a.admin)
    job_id = upload(client, ROWS).get_json()["jobID"]
    with app.app_context():
        _extension(app)["task"](job_id)
    run_queued(app)
    assert client.get(f"/api/Jobs/{job_id}").get_json()["status"] == "succeeded"
    assert _people(in_app, tenant_a.id) == 25
    with in_app() as session:
        assert session.get(Job, job_id).attempts == 1
