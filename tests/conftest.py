"""Shared fixtures: the real app on a real database, two tenants, both roles.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. The
schema is built once per session by the real migrations; after each test every customer is
deleted (everything else cascades from it), leaving only the global model catalogue.
"""
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db, limiter
from config import TestConfig
from tests.oidc_provider import _oidc_server, oidc_provider  # noqa: F401  (the OpenID provider for the SSO tests)

PASSWORD = "correct horse battery staple"


def _database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1... when the suite runs in parallel
    if url and worker:
        return _database_of_its_own(url, f"{make_url(url).database}_{worker}")
    if url:
        return url
    folder = Path(tempfile.mkdtemp(prefix="switchboard-test-"))
    return f"sqlite:///{folder / 'test.db'}"


def _database_of_its_own(url: str, name: str) -> str:
    """A fresh PostgreSQL database for one parallel test worker, on the server of `url`."""
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app():
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = _database_url()

    app = create_app(Config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(app):
    """The real app served on loopback (a thread per connection): for the browser and race tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(autouse=True)
def _clean_database(app):
    yield
    from app.customers.models import Customer

    with app.app_context():
        db.session.execute(delete(Customer))
        db.session.commit()
        db.session.remove()
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass(frozen=True)
class Rep:
    id: int
    customer_id: int
    email: str
    role: str
    password: str = PASSWORD


@dataclass(frozen=True)
class Tenant:
    id: int
    name: str
    admin: Rep
    agent: Rep


@pytest.fixture
def make_tenant(app):
    """Factory: make_tenant("Acme") -> Tenant with an Admin and an Agent."""

    def make(name: str, subscription_level: int = 1) -> Tenant:
        from app.actors import Actor
        from app.auth.operations import create_representative
        from app.customers.operations import create_customer

        slug = re.sub(r"\W+", "-", name.lower()).strip("-")
        with app.app_context():
            setup = Actor.cli("tests")
            customer, admin = create_customer(setup, name, f"admin@{slug}.example.com", PASSWORD, subscription_level)
            agent = create_representative(customer.id, setup, f"agent@{slug}.example.com", PASSWORD, role="Agent")
            db.session.commit()
            tenant = Tenant(
                customer.id, name,
                Rep(admin.id, customer.id, admin.email, "Admin"),
                Rep(agent.id, customer.id, agent.email, "Agent"),
            )
            db.session.remove()
        return tenant

    return make


@pytest.fixture
def demo_tenant(app) -> int:
    """The demo tenant (every tenant-scoped model has rows); its customer id."""
    from app.demo import load_demo
    from app.jobs.queue import run_queued

    with app.app_context():
        customer_id = load_demo().id
        db.session.commit()
        db.session.remove()
        run_queued(app)  # the demo's CSV import, as the app's worker would after the commit
    return customer_id


@pytest.fixture
def tenant_a(make_tenant) -> Tenant:
    return make_tenant("Alpha Support", subscription_level=2)


@pytest.fixture
def tenant_b(make_tenant) -> Tenant:
    return make_tenant("Bravo Helpdesk")


class ApiClient:
    """A test client that sends a bearer token with every request."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        merged = dict(headers or {})
        if self.token:
            merged.setdefault("Authorization", f"Bearer {self.token}")
        return merged

    def open(self, method, path, headers=None, **kwargs):
        return self.client.open(path, method=method, headers=self._headers(headers), **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def put(self, path, **kw):
        return self.open("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)


@pytest.fixture
def api(app):
    """Factory: api(rep) -> ApiClient logged in through POST /api/Auth/login."""

    def make(rep: Rep | None = None) -> ApiClient:
        client = app.test_client()
        if rep is None:
            return ApiClient(client, None)
        response = client.post("/api/Auth/login", json={"email": rep.email, "password": rep.password})
        assert response.status_code == 200, response.get_json()
        return ApiClient(client, response.get_json()["token"])

    return make


class DashboardClient:
    """A test client signed in through the real login page, sending the CSRF token."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def refresh_csrf(self, html: str) -> None:
        found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or re.search(
            r'"X-CSRFToken": "([^"]+)"', html)
        if found:
            self.csrf = found.group(1)

    def get(self, path, **kw):
        response = self.client.get(path, **kw)
        if response.mimetype == "text/html":
            self.refresh_csrf(response.get_data(as_text=True))
        return response

    def post(self, path, data=None, htmx=False, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(path, data=data, headers=headers, **kw)

    def request(self, method, path, htmx=True, **kw):
        headers = kw.pop("headers", {})
        headers["X-CSRFToken"] = self.csrf
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.open(path, method=method, headers=headers, **kw)


@pytest.fixture
def dashboard(app):
    """Factory: dashboard(rep) -> DashboardClient signed in as that representative."""

    def make(rep: Rep) -> DashboardClient:
        session = DashboardClient(app.test_client())
        session.get("/login")
        response = session.post("/login", data={"email": rep.email, "password": rep.password})
        assert response.status_code == 302, response.get_data(as_text=True)
        session.get("/")
        return session

    return make


@pytest.fixture
def in_app(app):
    """`with in_app(): ...` runs database code in a fresh app context (its own session)."""
    from contextlib import contextmanager

    @contextmanager
    def context():
        with app.app_context():
            yield db.session
            db.session.remove()

    return context
