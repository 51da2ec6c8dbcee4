"""Every API error is application/problem+json, without a stack trace."""
from flask import Blueprint

from app.domain_errors import Conflict


def assert_problem(response, status):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"]
    return body


def test_unknown_api_route_is_a_404_problem(api, tenant_a):
    assert_problem(api(tenant_a.admin).get("/api/NoSuchThing"), 404)


def test_wrong_method_is_a_405_problem(api):
    response = api().get("/api/Auth/login")
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_oversized_body_is_a_413_problem(app, api):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = api().post("/api/Auth/login", data='{"email": "' + big + '"}', content_type="application/json")
    assert_problem(response, 413)


def test_deeply_nested_json_is_a_400_problem(api):
    body = "[" * 100000 + "]" * 100000
    response = api().post("/api/Auth/login", data=body, content_type="application/json")
    assert_problem(response, 400)


def test_unexpected_errors_are_500_problems_without_details():
    """On an app of its own, so the throwaway routes do not leak into other tests."""
    from app import create_app
    from config import TestConfig

    app = create_app(TestConfig)
    bp = Blueprint("api_boom", __name__, url_prefix="/api/Boom")

    @bp.get("/")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    @bp.get("/conflict")
    def conflict():
        raise Conflict("Already linked.")

    app.register_blueprint(bp)
    client = app.test_client()
    response = client.get("/api/Boom/")
    body = assert_problem(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["title"] == "An unexpected error occurred."
    assert_problem(client.get("/api/Boom/conflict"), 409)
