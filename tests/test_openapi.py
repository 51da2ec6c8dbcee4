"""The OpenAPI document is generated from the code and covers every /api route."""
from openapi_spec_validator import validate

from app.auth.forms import LoginForm
from app.jsonforms import json_schema


def test_document_is_valid_openapi_3_1(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_api_route_is_in_the_document(app, client):
    document = client.get("/api/openapi.json").get_json()
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith("api_docs."):
            continue
        path = rule.rule
        for converter in ("<int:", "<string:", "<"):
            path = path.replace(converter, "{")
        path = path.replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in document["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []


def test_request_schemas_are_the_form_schemas(client):
    document = client.get("/api/openapi.json").get_json()
    login = document["paths"]["/api/Auth/login"]["post"]
    ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert document["components"]["schemas"][ref.rsplit("/", 1)[1]] == json_schema(LoginForm)
    assert login["security"] == []
    assert "401" in login["responses"]
