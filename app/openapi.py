"""The OpenAPI 3.1 document, generated from the code: every /api rule of the URL map, with the
request schemas derived from the same form classes that validate the bodies.

Views describe themselves with @documented(...); a route without it still appears, with its
path, method, parameters and the problem answers every route can give.
"""
import re

from flask import Blueprint, current_app, render_template

from app.api_keys.scopes import required_scope
from app.jsonforms import json_schema, query_parameters
from app.pagination import TOTAL_CAP, page_form

bp = Blueprint("api_docs", __name__, url_prefix="/api")

PROBLEM = {"$ref": "#/components/schemas/Problem"}
PUBLIC_ENDPOINTS = {"api_docs.openapi", "api_docs.docs"}
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def documented(summary=None, body=None, partial=False, many=None, query=None, responses=None, public=False,
               bodyless=False, headers=None, response_headers=None, upload=None, media=None):
    """Describe a view for the OpenAPI document.

    body: the form class validating the JSON body, or a JSON schema; many=N: the body is a JSON
    array of 1..N such objects; query: {name: (json schema, description)};
    responses: {status: (description, schema or None)}; an error status answers problem+json.
    headers: optional request headers, {name: (json schema, description)};
    response_headers: {status: {name: (json schema, description, required)}}.
    Schemas with a "title" become named components. bodyless=True: a POST that acts on what its
    path names and reads no body (a revert). upload: the JSON schema of a multipart/form-data body
    (a file upload) instead of a JSON one. media: {status: content type} for answers that are not
    JSON (a CSV download).
    """

    def decorate(view):
        view._openapi = {
            "summary": summary, "body": body, "partial": partial, "many": many, "query": query or {},
            "responses": responses or {}, "public": public, "bodyless": bodyless, "headers": headers or {},
            "response_headers": response_headers or {}, "upload": upload, "media": media or {},
        }
        return view

    return decorate


def nullable(schema: dict) -> dict:
    """The same schema, also allowing null."""
    kind = schema["type"]
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIMESTAMP = {"type": "string", "format": "date-time"}


def paginated(item: dict) -> dict:
    """PaginatedResult of `item` (a response DTO's schema: Dto(...).schema, app.dtos)."""
    return {
        "title": f"PaginatedResult_{item['title']}", "type": "object",
        "properties": {
            "items": {"type": "array", "items": item},
            "totalCount": {"type": "integer", "minimum": 0, "maximum": TOTAL_CAP,
                           "description": f"Exact up to {TOTAL_CAP}; beyond, {TOTAL_CAP} with totalCountCapped true."},
            "totalCountCapped": {"type": "boolean", "description": f"true: there are more than {TOTAL_CAP} "
                                 "items and totalCount (and totalPages) are lower bounds; false: they are exact."},
            "totalPages": {"type": "integer", "minimum": 0}, "pageNumber": {"type": "integer", "minimum": 1},
            "pageSize": {"type": "integer", "minimum": 1, "maximum": 100},
            "nextCursor": {"type": ["string", "null"], "description": "Pass as `cursor` (same sortBy, sortOrder "
                           "and filters) for the next page, fast at any depth; null on the last page."},
        },
        "required": ["items", "totalCount", "totalPages", "pageNumber", "pageSize"],
        "additionalProperties": False,
    }


def problem(title: str, **extra: dict) -> dict:
    """A problem+json body with extra members (a 409's `currentOrder`, `links`...)."""
    return {"title": title, "allOf": [PROBLEM, {"type": "object", "properties": extra, "required": list(extra)}]}


def page_params(sortable, default_sort: str, page_size: int = 10, **filters) -> dict:
    """The PaginatedResult query parameters for @documented(query=...), plus extra filters."""
    return {**query_parameters(page_form(tuple(sortable), default_sort, page_size=page_size)), **filters}


def _named(schema, schemas: dict):
    """Hoist titled schemas into components and refer to them."""
    if isinstance(schema, list):
        return [_named(item, schemas) for item in schema]
    if not isinstance(schema, dict) or "$ref" in schema:
        return schema
    out = {key: _named(value, schemas) if key in ("items", "allOf", "anyOf", "oneOf") else value
           for key, value in schema.items()}
    if "properties" in out:
        out["properties"] = {name: _named(value, schemas) for name, value in out["properties"].items()}
    title = out.pop("title", None)
    if title is None:
        return out
    schemas[title] = out
    return {"$ref": f"#/components/schemas/{title}"}


def _path_and_params(rule):
    params = []

    def replace(match):
        converter, name = match.groups()
        schema = {"type": "integer"} if converter == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _PARAM.sub(replace, rule.rule), params


def _operation(endpoint, method, view, path_params, schemas, rule_path=""):
    meta = getattr(view, "_openapi", {})
    doc = (view.__doc__ or "").strip().splitlines()
    public = meta.get("public") or endpoint in PUBLIC_ENDPOINTS or endpoint.startswith("api_auth.")
    operation = {
        "operationId": f"{endpoint.replace('.', '_')}_{method.lower()}",
        "tags": [endpoint.split(".")[0].removeprefix("api_")],
        "summary": meta.get("summary") or (doc[0] if doc else endpoint),
        "parameters": list(path_params),
        "responses": {},
    }
    for name, (schema, description) in meta.get("query", {}).items():
        operation["parameters"].append({"name": name, "in": "query", "required": False, "schema": schema, "description": description})
    for name, (schema, description) in meta.get("headers", {}).items():
        operation["parameters"].append({"name": name, "in": "header", "required": False, "schema": schema, "description": description})
    form = meta.get("body")
    if form is not None and method in ("POST", "PUT", "PATCH"):
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _body_schema(meta, schemas)}}}
    if meta.get("upload") is not None:
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": meta["upload"]}}}
    for status, (description, schema) in meta.get("responses", {}).items():
        answer = {"description": description}
        if status >= 400:
            answer["content"] = {"application/problem+json": {"schema": _named(schema or PROBLEM, schemas)}}
        elif schema is not None:
            media_type = meta.get("media", {}).get(status, "application/json")
            answer["content"] = {media_type: {"schema": _named(schema, schemas)}}
        if status in meta.get("response_headers", {}):
            answer["headers"] = {name: {"description": text, "required": required, "schema": kind}
                                 for name, (kind, text, required) in meta["response_headers"][status].items()}
        operation["responses"][str(status)] = answer
    if not operation["responses"]:
        operation["responses"]["200"] = {"description": "Success"}
    problems = {"400": "Invalid input", "404": "Not found in your account", "429": "Rate limit exceeded"}
    if not public:
        operation["security"] = [{"bearer": []}]
        scope = required_scope(method, rule_path) if getattr(view, "_api_keys", False) else None
        if scope:  # OpenAPI 3.1 lets a non-OAuth scheme name the roles it needs
            operation["security"].append({"apiKey": [scope]})
        problems.update({"401": "Missing or invalid token", "403": "Not allowed for this token"})
    if form is not None:
        problems.update({"413": "Body too large", "415": "Not JSON"})
    if meta.get("upload") is not None:
        problems.update({"413": "Body too large"})
    for status, description in problems.items():
        operation["responses"].setdefault(status, {"description": description, "content": {"application/problem+json": {"schema": PROBLEM}}})
    if public:
        operation["security"] = []
    return operation


def _body_schema(meta: dict, schemas: dict) -> dict:
    body = meta["body"]
    if isinstance(body, dict):
        schema = _named(body, schemas)
    else:
        name = body.__name__ + ("Partial" if meta.get("partial") else "")
        schemas[name] = json_schema(body, partial=meta.get("partial", False))
        schema = {"$ref": f"#/components/schemas/{name}"}
    if meta.get("many"):
        schema = {"type": "array", "items": schema, "minItems": 1, "maxItems": meta["many"]}
    return schema


def build_document(app) -> dict:
    paths, schemas = {}, {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        path, params = _path_and_params(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, method, view, params, schemas, rule.rule)
    schemas["Problem"] = {
        "type": "object",
        "required": ["title", "status"],
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Switchboard API", "version": "1.0.0",
                 "description": "The AnswerPal-compatible JSON API of Switchboard. Log in with POST /api/Auth/login "
                                "and send the token as `Authorization: Bearer <token>`, or send an API key (made by "
                                "an Admin under Settings › API keys) the same way; a key may call the operations "
                                "whose `apiKey` requirement names one of its scopes. Errors are application/problem+json."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                           "description": "A representative's token from POST /api/Auth/login."},
                "apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "sbk_ API key",
                           "description": "An integration's API key (`sbk_...`), sent as `Authorization: Bearer "
                                          "<key>`. Scopes: settings, endusers and actions, each :read (GET) "
                                          "or :write (other methods). A key never manages keys or people."},
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build_document(current_app)
    return current_app.extensions["openapi"]


@bp.get("/docs")
def docs():
    """A readable page of the API, rendered by the vendored Swagger UI."""
    return render_template("api/docs.html")
