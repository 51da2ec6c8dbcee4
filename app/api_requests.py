"""Which requests are the JSON API's, and what they skip: the API's callers sign every request with
a bearer token or an API key, so an API request opens no cookie session and writes none back
(a signed cookie verified on the way in and serialised on the way out, for nothing)."""
from flask import request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


class DashboardSessions(SecureCookieSessionInterface):
    """The signed session cookie, for the dashboard only. An API request gets an empty
    session that is never saved (writable, so that nothing which touches it by the way fails)."""

    def open_session(self, app, request):
        if is_api_request():
            return SecureCookieSession()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not is_api_request():
            super().save_session(app, session, response)
