"""Errors, mapped once: problem+json under /api, a toast or a friendly page on the dashboard,
never a stack trace.

Domain errors (app/domain_errors.py) and database constraint violations (app/db_conflicts.py)
become 400/404/409/412 (a 412 with the current version as ETag); a SQLite lock that outlasted the
busy timeout becomes 503 with Retry-After.
"""
from urllib.parse import urlsplit

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from htmx_flask import make_response as htmx_response
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, Unauthorized

from app.api_requests import is_api_request
from app.db_conflicts import conflict_from
from app.domain_errors import Conflict, DomainError, Gone, Invalid, NotFound, PreconditionFailed
from app.extensions import login_manager
from app.problems import from_http_exception, problem_response
from app.sqlite import is_locked_error

STATUS = {Invalid: 400, NotFound: 404, Conflict: 409, Gone: 410, PreconditionFailed: 412}
LOCKED_RETRY_AFTER = 2


def status_of(exc: DomainError) -> int:
    return next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 400)


def register_error_handlers(app: Flask) -> None:
    login_manager.unauthorized_handler(sign_in_again)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        headers = {"ETag": exc.version} if isinstance(exc, PreconditionFailed) else None
        return _answer(status_of(exc), exc.title, exc.errors, headers=headers, **exc.extra)

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        app.logger.info("Constraint violation answered 409 on %s %s: %s", request.method, request.path, exc.orig)
        return _domain(conflict_from(exc))

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError):
        if not is_locked_error(exc):
            return _unexpected(exc)
        app.logger.warning("Database locked on %s %s", request.method, request.path)
        return _answer(503, "The database is busy. Try again in a moment.",
                       headers={"Retry-After": str(LOCKED_RETRY_AFTER)})

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if is_api_request():
            return from_http_exception(exc)
        if not current_user.is_authenticated and request.endpoint != "auth.login":
            return sign_in_again()  # the session (and its token) expired: sign in, not "form expired"
        return _page(400, "Your form expired or was sent without its security token. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if is_api_request():
            return from_http_exception(exc)
        if exc.code == 401:
            return sign_in_again()
        return _page(exc.code or 500, None, exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if is_api_request():
            return from_http_exception(InternalServerError())
        return _page(500, None)


def sign_in_again():
    """No signed-in person (never signed in, signed out elsewhere, or the session expired).

    A plain request is redirected to the sign-in page with `next` back to it. An htmx request
    (a save, a live search) must not swap the sign-in page into a card nor push its URL: it gets
    `HX-Redirect`, so the browser itself goes to the sign-in page, with a warning that stays and
    `next` back to the page the person was on (HX-Current-URL, not the partial's URL).
    """
    if is_api_request():
        return from_http_exception(Unauthorized())
    if not request.htmx:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    flash("Your session expired. Sign in again to continue where you were.", "warning")
    target = url_for("auth.login", next=_current_page() or url_for("home.index"))
    response = htmx_response("", 401)
    response.headers["HX-Redirect"] = target
    return response


def _current_page() -> str | None:
    """The page the browser shows (htmx's HX-Current-URL), when it is one of ours."""
    current = request.headers.get("HX-Current-URL")
    if not current:
        return None
    parts = urlsplit(current)
    if parts.netloc and parts.netloc != request.host or parts.path == url_for("auth.login"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _answer(status: int, title: str, errors: dict | None = None, headers: dict | None = None, **extra):
    """The one answer to a refusal: problem+json for the API; on the dashboard an error toast
    (htmx), a flashed message back on the page the form was on (a plain post), or a page."""
    if is_api_request():
        response = problem_response(status, title, errors, **extra)
        response.headers.update(headers or {})
        return response
    if errors:  # people read the reasons, not the summary
        title = " ".join(m for messages in errors.values() for m in messages)
    if request.htmx:
        response = htmx_response("", status, trigger={"toast": {"message": title, "level": "error"}})
        response.headers.update(headers or {})
        return response
    back = same_site_referrer()
    if request.method == "POST" and back:
        flash(title, "error")
        return redirect(back)
    message = MESSAGES[404] if status == 404 and title == NotFound.DEFAULT else title
    body, status, page_headers = _page(status, message)
    return body, status, {**page_headers, **(headers or {})}


def same_site_referrer() -> str | None:
    """The page the request came from, when it is one of ours (never redirect elsewhere)."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page. Ask an administrator of your account.",
    404: "This page does not exist, or it belongs to another account.",
    405: "This page does not accept that kind of request.",
    409: "This change clashes with another one.",
    412: "This was changed meanwhile by someone else. Reload the page and try again.",
    413: "What you sent is too large.",
    429: "Too many attempts. Wait a moment and try again.",
    500: "Something went wrong on our side. The error has been logged.",
    503: "The service is busy. Try again in a moment.",
}


def _page(status: int, message: str | None, exc: HTTPException | None = None):
    headers = {}
    if exc is not None and exc.response is not None and "Retry-After" in exc.response.headers:
        headers["Retry-After"] = exc.response.headers["Retry-After"]
    body = render_template(
        "error.html", status=status, message=message or MESSAGES.get(status, "Something went wrong.")
    )
    return body, status, headers
