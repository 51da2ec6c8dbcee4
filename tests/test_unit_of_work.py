"""One transaction per request, command or job: a failure leaves nothing half written."""
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from flask import Blueprint
from flask_migrate import upgrade
from sqlalchemy import select

from app.actors import Actor
from app.extensions import csrf, db
from app.topics.models import Topic
from app.unit_of_work import read_only, unit_of_work
from tests.conftest import PASSWORD

APP_DIR = Path(__file__).resolve().parent.parent / "app"


def _topic_names(in_app, customer_id) -> list[str]:
    with in_app() as session:
        return sorted(session.scalars(select(Topic.name).where(Topic.customer_id == customer_id)))


def test_an_api_update_whose_second_write_fails_keeps_the_first_unwritten(api, tenant_a):
    client = api(tenant_a.agent)
    jane = client.post("/api/EndUsers", json={"lastname": "Doe", "uids": [{"uid": "jane@example.com"}]}).get_json()
    john = client.post("/api/EndUsers", json={"lastname": "Smith", "uids": [{"uid": "john@example.com"}]}).get_json()
    # The profile is written first, then the identifier, which belongs to Jane: a 409.
    response = client.put(f"/api/EndUsers/{john['endUserID']}",
                          json={"lastname": "Renamed", "uids": [{"uid": "jane@example.com"}]})
    assert response.status_code == 409
    stored = client.get(f"/api/EndUsers/{john['endUserID']}").get_json()
    assert stored["lastname"] == "Smith"
    assert [u["uid"] for u in stored["uids"]] == ["john@example.com"]
    assert [u["uid"] for u in client.get(f"/api/EndUsers/{jane['endUserID']}").get_json()["uids"]] == ["jane@example.com"]


@pytest.fixture
def two_writes_app(app, tenant_a):
    """An app of its own (same database) with throwaway routes that write twice, the second failing,
    or write and then answer an error."""
    from app import create_app
    from app.topics.operations import create_topic
    from config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    app = create_app(Config)  # noqa: F811  (the suite's app only lent its database)
    bp = Blueprint("api_two_writes", __name__, url_prefix="/api/TwoWrites")
    actor = Actor.cli("tests")

    @bp.post("/database-refuses")
    def database_refuses():
        create_topic(tenant_a.id, actor, {"name": "First", "isActive": True})
        db.session.add(Topic(customer_id=tenant_a.id, name="First"))  # past the operation's own check
        db.session.flush()
        return "", 204

    @bp.post("/error-answer")
    def error_answer():
        create_topic(tenant_a.id, actor, {"name": "Written before a 400", "isActive": True})
        return {"title": "refused"}, 400

    @bp.post("/succeeds")
    def succeeds():
        create_topic(tenant_a.id, actor, {"name": "Kept", "isActive": True})
        return "", 204

    @bp.post("/read-only")
    @read_only
    def read_only_writes():
        create_topic(tenant_a.id, actor, {"name": "Written by a read-only view", "isActive": True})
        return "", 200

    csrf.exempt(bp)
    app.register_blueprint(bp)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_failing_second_write_rolls_back_the_first(two_writes_app, tenant_a, in_app):
    client = two_writes_app.test_client()
    response = client.post("/api/TwoWrites/database-refuses")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "A topic named 'First' already exists."
    assert client.post("/api/TwoWrites/error-answer").status_code == 400
    assert _topic_names(in_app, tenant_a.id) == []
    assert client.post("/api/TwoWrites/succeeds").status_code == 204
    assert _topic_names(in_app, tenant_a.id) == ["Kept"]


def test_a_read_only_view_never_commits(two_writes_app, tenant_a, in_app):
    """A dry run's guarantee: even a write slipped into a read_only view is rolled back."""
    assert two_writes_app.test_client().post("/api/TwoWrites/read-only").status_code == 200
    assert _topic_names(in_app, tenant_a.id) == []


def test_a_command_is_one_unit_of_work(app, tenant_a, in_app):
    from app.topics.operations import create_topic

    with app.app_context():
        with pytest.raises(RuntimeError):
            with unit_of_work():
                create_topic(tenant_a.id, Actor.cli("tests"), {"name": "Half", "isActive": True})
                raise RuntimeError("the second step fails")
        db.session.remove()
    assert _topic_names(in_app, tenant_a.id) == []


def test_a_locked_sqlite_database_answers_503_with_retry_after(monkeypatch):
    """Another process holds the write lock longer than the busy timeout: 503, not a 500."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("SQLite only")
    from app import create_app, sqlite
    from app.customers.operations import create_customer
    from config import TestConfig

    path = Path(tempfile.mkdtemp(prefix="switchboard-lock-")) / "locked.db"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 200)
    app = create_app(Config)
    with app.app_context():
        upgrade()
        with unit_of_work():
            create_customer(Actor.cli("tests"), "Locked", "admin@locked.example.com", PASSWORD)
    client = app.test_client()
    token = client.post("/api/Auth/login", json={"email": "admin@locked.example.com", "password": PASSWORD}).get_json()["token"]

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.post("/api/Topics", json={"name": "Blocked"}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"].isdigit()
        assert client.get("/api/Topics", headers={"Authorization": f"Bearer {token}"}).status_code == 200  # WAL: reads go on
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/api/Topics", json={"name": "Free"}, headers={"Authorization": f"Bearer {token}"}).status_code == 201
    with app.app_context():
        db.engine.dispose()


def test_only_the_unit_of_work_commits_and_no_problem_is_raised_below_the_views():
    commits, problems = [], []
    for path in APP_DIR.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            where = f"{path.relative_to(APP_DIR.parent)}:{number}"
            if "commit()" in line:
                commits.append(where)
            if "Problem(" in line:
                problems.append(where)
    assert commits == ["app/unit_of_work.py:" + commits[0].split(":")[1]] and len(commits) == 1, commits
    assert problems == [], problems


def test_an_app_with_its_embedded_job_worker_still_answers_every_request(app):
    """The worker starts at the first request (a before_request hook): it must not become that answer."""
    from app import create_app
    from config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        JOBS_EMBEDDED_WORKER = True

    worker_app = create_app(Config)
    try:
        client = worker_app.test_client()
        assert client.get("/login").status_code == 200
        assert client.post("/api/Auth/login", json={"email": "nobody@example.com", "password": "x"}).status_code == 401
        assert worker_app.extensions["jobs"]["thread"] is not None  # and the worker runs
    finally:
        worker_app.extensions["jobs"]["thread"].stop()
