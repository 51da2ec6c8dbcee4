"""problem+json answers for the API (RFC 9457)."""
from flask import jsonify
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "application/problem+json"


def problem_response(status: int, title: str, errors: dict | None = None, **extra):
    body = {"type": "about:blank", "title": title, "status": status}
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    return response


TITLES = {
    400: "Bad request.",
    401: "Authentication is required.",
    403: "You do not have permission for this action.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflict.",
    413: "The request body is too large.",
    415: "Unsupported media type: send application/json.",
    429: "Too many requests.",
    500: "An unexpected error occurred.",
}


def from_http_exception(exc: HTTPException):
    status = exc.code or 500
    title = TITLES.get(status) or exc.name
    # abort(404, "...") style descriptions are ours and safe to show; Werkzeug's defaults are not helpful.
    description = getattr(exc, "description", None)
    if description and description != type(exc).description:
        title = description
    response = problem_response(status, title)
    if exc.response is not None:
        for header in ("Retry-After", "Allow"):
            if header in exc.response.headers:
                response.headers[header] = exc.response.headers[header]
    for header, value in exc.get_headers():
        if header in ("Retry-After", "Allow"):
            response.headers[header] = value
    return response
