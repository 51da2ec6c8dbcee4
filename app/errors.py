"""Errors: problem+json under /api, friendly pages on the dashboard, never a stack trace."""
from flask import Flask, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.problems import Problem, from_http_exception, problem_response


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(exc: Problem):
        return problem_response(exc.status, exc.title, exc.errors, **exc.extra)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if is_api_request():
            return from_http_exception(exc)
        return _page(400, "Your form expired or was sent without its security token. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if is_api_request():
            return from_http_exception(exc)
        if exc.code == 401:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return _page(exc.code or 500, None, exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if is_api_request():
            return from_http_exception(InternalServerError())
        return _page(500, None)


MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page. Ask an administrator of your account.",
    404: "This page does not exist, or it belongs to another account.",
    405: "This page does not accept that kind of request.",
    413: "What you sent is too large.",
    429: "Too many attempts. Wait a moment and try again.",
    500: "Something went wrong on our side. The error has been logged.",
}


def _page(status: int, message: str | None, exc: HTTPException | None = None):
    headers = {}
    if exc is not None and exc.response is not None and "Retry-After" in exc.response.headers:
        headers["Retry-After"] = exc.response.headers["Retry-After"]
    body = render_template(
        "error.html", status=status, message=message or MESSAGES.get(status, "Something went wrong.")
    )
    return body, status, headers
