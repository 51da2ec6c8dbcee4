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


def test_every_api_view_describes_itself(app):
    """Each /api view carries @documented, and each JSON answer it documents has a schema."""
    undocumented, schemaless = [], []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith("api_docs."):
            continue
        meta = getattr(app.view_functions[rule.endpoint], "_openapi", None)
        if meta is None:
            undocumented.append(rule.endpoint)
            continue
        if not any(200 <= status < 300 for status in meta["responses"]):
            schemaless.append(rule.endpoint)
        for status, (_, schema) in meta["responses"].items():
            if status < 300 and status != 204 and schema is None:
                schemaless.append(f"{rule.endpoint} {status}")
        if rule.methods & {"POST", "PUT"} and meta["body"] is None and not meta["bodyless"] and not meta.get("upload"):
            schemaless.append(f"{rule.endpoint} body")
    assert undocumented == [] and schemaless == []


def test_lists_are_paginated_results_of_the_read_dto(client):
    document = client.get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    ok = document["paths"]["/api/EndUsers"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schemas[ok["$ref"].rsplit("/", 1)[1]]
    assert page["properties"]["items"]["items"] == {"$ref": "#/components/schemas/EndUserReadDTO"}
    assert set(page["required"]) == {"items", "totalCount", "totalPages", "pageNumber", "pageSize"}
    params = {p["name"] for p in document["paths"]["/api/EndUsers"]["get"]["parameters"]}
    assert {"pageNumber", "pageSize", "sortBy", "sortOrder", "search", "ids", "customerType"} <= params


def test_bulk_bodies_are_arrays_of_the_create_body(client):
    document = client.get("/api/openapi.json").get_json()
    for kind, form in (("TopicActions", "TopicActionForm"), ("HookActions", "HookActionForm")):
        body = document["paths"][f"/api/{kind}/bulk"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"type": "array", "items": {"$ref": f"#/components/schemas/{form}"}, "minItems": 1, "maxItems": 100}
        conflict = document["paths"][f"/api/{kind}/reorder"]["post"]["responses"]["409"]["content"]
        assert "application/problem+json" in conflict


def test_api_keys_are_a_second_security_scheme_naming_their_scope(client):
    document = client.get("/api/openapi.json").get_json()
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"bearer", "apiKey"} and schemes["apiKey"]["scheme"] == "bearer"
    paths = document["paths"]
    assert paths["/api/EndUsers"]["get"]["security"] == [{"bearer": []}, {"apiKey": ["endusers:read"]}]
    assert paths["/api/EndUsers"]["post"]["security"] == [{"bearer": []}, {"apiKey": ["endusers:write"]}]
    assert {"apiKey": ["settings:read"]} in paths["/api/Customers/me"]["get"]["security"]
    assert {"apiKey": ["actions:write"]} in paths["/api/TopicActions/reorder"]["post"]["security"]
    for path, method in (("/api/ApiKeys", "get"), ("/api/ApiKeys", "post"), ("/api/ApiKeys/{key_id}", "delete"),
                         ("/api/Customers/my-secrets", "get"), ("/api/AuditEvents", "get")):
        assert paths[path][method]["security"] == [{"bearer": []}], (path, method)
