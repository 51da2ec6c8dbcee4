"""Requests that need no caller run no query: the before_request hooks and the request scope do
nothing for static files, /healthz and the OpenAPI document, even with a signed-in session cookie,
and the login page and the API docs read nothing for a visitor (the scope is settled when a view asks for it, app/request_scope.py)."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db


@contextmanager
def statements(app):
    executed = []

    def count(_conn, _cursor, statement, *_args):
        executed.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield executed
    finally:
        event.remove(engine, "before_cursor_execute", count)


QUIET = ["/static/css/app.css", "/favicon.ico", "/healthz", "/api/openapi.json"]


@pytest.mark.parametrize("path", QUIET)
def test_a_route_that_needs_no_caller_runs_no_query_even_when_signed_in(app, dashboard, tenant_a, path):
    signed_in = dashboard(tenant_a.agent)
    with statements(app) as executed:
        response = signed_in.get(path)
    assert response.status_code == 200
    assert executed == []


@pytest.mark.parametrize(("path", "shows"), [("/login", b'name="password"'), ("/api/docs", b"api-docs.js")])
def test_the_login_page_and_the_api_docs_run_no_query_for_a_visitor(app, client, path, shows):
    """(Signed in, both pages show the top bar with the person's name: that reads their row.)"""
    with statements(app) as executed:
        response = client.get(path)
    assert response.status_code == 200 and shows in response.data
    assert executed == []


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_a_page_that_needs_the_caller_still_loads_it(app, dashboard, tenant_a):
    signed_in = dashboard(tenant_a.agent)
    with statements(app) as executed:
        response = signed_in.get("/end-users/")
    assert response.status_code == 200 and tenant_a.agent.email.encode() in response.data
    assert any("representative" in s for s in executed)


def test_an_api_call_from_a_signed_in_browser_neither_uses_nor_writes_the_session(client, dashboard, tenant_a):
    """The API's callers sign each request with a token: the dashboard's cookie does not sign one in,
    and no API answer sets a cookie."""
    signed_in = dashboard(tenant_a.agent)
    response = signed_in.get("/api/EndUsers")
    assert response.status_code == 401 and "Set-Cookie" not in response.headers
    token = client.post("/api/Auth/login", json={"email": tenant_a.agent.email, "password": tenant_a.agent.password})
    assert token.status_code == 200 and "Set-Cookie" not in token.headers
    page = signed_in.get("/end-users/")
    assert page.status_code == 200 and tenant_a.agent.email.encode() in page.data
