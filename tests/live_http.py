"""Real HTTP against the live server (`live_server`, a thread per connection), for the tests that
race requests: a Caller per racer (bearer token or signed-in cookie session), and `race()`, which
opens every connection first and sends them all at once behind one Barrier. Standard library only."""
import http.client
import json
import re
import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@dataclass
class Answer:
    method: str
    path: str
    status: int
    content_type: str
    headers: http.client.HTTPMessage
    text: str

    def json(self):
        return json.loads(self.text)


class Caller:
    """One caller: a bearer token (API) or a cookie session with its CSRF token (dashboard).

    Not thread-safe: give every racing thread its own Caller.
    """

    def __init__(self, base: str, token: str | None = None):
        url = urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.token = token
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    def connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        conn.connect()
        return conn

    def send(self, method: str, path: str, json_body=None, form: dict | None = None,
             conn: http.client.HTTPConnection | None = None, headers: dict | None = None) -> Answer:
        headers, body = dict(headers or {}), None
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            body = urlencode({"csrf_token": self.csrf or "", **form}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        own = conn is None
        conn = conn or self.connect()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            if own:
                conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        answer = Answer(method, path, response.status, response.headers.get_content_type(), response.headers, text)
        if answer.content_type == "text/html" and (found := CSRF.search(text)):
            self.csrf = found.group(1)
        return answer


def api_token(base: str, rep) -> str:
    answer = Caller(base).send("POST", "/api/Auth/login", {"email": rep.email, "password": rep.password})
    assert answer.status == 200, answer.text
    return answer.json()["token"]


def signed_in(base: str, rep) -> Caller:
    """A dashboard session signed in through /login with the CSRF token of the page."""
    session = Caller(base)
    session.send("GET", "/login")
    answer = session.send("POST", "/login", form={"email": rep.email, "password": rep.password})
    assert answer.status == 302, (answer.status, answer.text[:500])
    assert session.send("GET", "/end-users/new").status == 200 and session.csrf
    return session


@dataclass
class Call:
    caller: Caller
    method: str
    path: str
    json_body: object = None
    form: dict | None = None
    headers: dict | None = None
    answer: Answer | None = field(default=None, init=False)


def race(calls: list[Call]) -> list[Answer]:
    """Send every call at once (connections opened first, then one Barrier); answers in order."""
    barrier = threading.Barrier(len(calls))
    failures = []

    def run(call: Call) -> None:
        conn = None
        try:
            conn = call.caller.connect()
            barrier.wait(timeout=30)
            call.answer = call.caller.send(call.method, call.path, call.json_body, call.form, conn=conn,
                                           headers=call.headers)
        except BaseException as exc:  # noqa: BLE001  (reported below, in the test's thread)
            barrier.abort()
            failures.append(exc)
        finally:
            if conn is not None:
                conn.close()

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    if failures:
        raise failures[0]
    assert all(call.answer is not None for call in calls), "a racing request did not finish in time"
    return [call.answer for call in calls]
