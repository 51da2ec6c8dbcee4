""""Test connection" buttons against real local servers started here: HTTP, SMTP (aiosmtpd), IMAP stub."""
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

USER, PASSWORD = "mailbox@example.com", "mailbox-password-1234"
API_TOKEN = "api-token-secret-5678"
API_PASSWORD = "api-basic-password-9012"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _local_servers_allowed(app, monkeypatch):
    """The servers below listen on loopback, which Test connection refuses unless allowed."""
    monkeypatch.setitem(app.config, "CONNECTION_TEST_ALLOWED_HOSTS", ["127.0.0.1"])


# ---- Servers ----------------------------------------------------------------------------------

class _ApiHandler(BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802
        self.seen.append(self.headers)  # case-insensitive lookups
        auth = self.headers.get("Authorization", "")
        ok = auth in (f"Bearer {API_TOKEN}",) or self.headers.get("X-API-Key") == API_TOKEN or (
            auth.startswith("Basic ") and __import__("base64").b64decode(auth[6:]).decode() == f"api-user:{API_PASSWORD}")
        if self.path.startswith("/open"):
            ok = True
        if self.path.startswith("/moved"):
            self.send_response(302)
            self.send_header("Location", "http://example.invalid/elsewhere")
            self.end_headers()
            return
        if self.path.startswith("/slow"):
            time.sleep(2)
        try:
            self.send_response(200 if ok else 401)
            self.end_headers()
            self.wfile.write(b"ok" if ok else b"no")
        except BrokenPipeError:  # the test that times out has gone already
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    _ApiHandler.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ApiHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _ApiHandler.seen
    server.shutdown()
    server.server_close()


class _Sink:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    login = getattr(auth_data, "login", b"")
    password = getattr(auth_data, "password", b"")
    return AuthResult(success=login == USER.encode() and password == PASSWORD.encode(), handled=False)


@pytest.fixture
def smtp_server():
    port = _free_port()
    controller = Controller(_Sink(), hostname="127.0.0.1", port=port, authenticator=_authenticator,
                            auth_require_tls=False)
    controller.start()
    yield port
    controller.stop()


class _ImapHandler(socketserver.StreamRequestHandler):
    """Just enough IMAP4rev1 for connect, CAPABILITY, LOGIN and LOGOUT."""

    def handle(self):
        self.wfile.write(b"* OK IMAP4rev1 stub ready\r\n")
        for raw in self.rfile:
            parts = raw.decode().strip().split(" ", 2)
            if len(parts) < 2:
                continue
            tag, command = parts[0], parts[1].upper()
            if command == "CAPABILITY":
                self.wfile.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + f"{tag} OK done\r\n".encode())
            elif command == "LOGIN":
                user, _, password = parts[2].partition(" ")
                if user.strip('"') == USER and password.strip('"') == PASSWORD:
                    self.wfile.write(f"{tag} OK LOGIN completed\r\n".encode())
                else:
                    self.wfile.write(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n".encode())
            elif command == "LOGOUT":
                self.wfile.write(b"* BYE logging out\r\n" + f"{tag} OK bye\r\n".encode())
                return
            else:
                self.wfile.write(f"{tag} BAD unknown command\r\n".encode())


@pytest.fixture
def imap_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _ImapHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


# ---- Through the settings pages ---------------------------------------------------------------

@pytest.fixture
def admin(dashboard, tenant_a):
    session = dashboard(tenant_a.admin)
    session.get("/settings/connector")
    return session


def _test(admin, group, kind, data):
    response = admin.post(f"/settings/{group}/test/{kind}", data, htmx=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_api_connection_with_bearer_token(admin, http_server):
    url, seen = http_server
    html = _test(admin, "connector", "api", {"apiBaseUrl": url + "/v1", "apiAuthenticationType": "Bearer", "apiToken": API_TOKEN})
    assert 'class="test-result ok"' in html and "HTTP 200" in html
    assert seen[-1]["Authorization"] == f"Bearer {API_TOKEN}"
    assert API_TOKEN not in html


def test_api_connection_uses_the_stored_secret_when_the_input_is_blank(admin, http_server):
    url, seen = http_server
    admin.post("/settings/connector", {"apiBaseUrl": url, "apiAuthenticationType": "ApiKey", "apiToken": API_TOKEN}, htmx=True)
    html = _test(admin, "connector", "api", {"apiBaseUrl": url, "apiAuthenticationType": "ApiKey"})
    assert "HTTP 200" in html and seen[-1]["X-API-Key"] == API_TOKEN
    assert API_TOKEN not in html


def test_api_connection_with_basic_auth(admin, http_server):
    url, seen = http_server
    html = _test(admin, "connector", "api", {"apiBaseUrl": url, "apiAuthenticationType": "Basic",
                                             "apiUsername": "api-user", "apiPassword": API_PASSWORD})
    assert "HTTP 200" in html and 'test-result ok' in html
    wrong = _test(admin, "connector", "api", {"apiBaseUrl": url, "apiAuthenticationType": "Basic",
                                              "apiUsername": "api-user", "apiPassword": "wrong-password"})
    assert 'test-result fail' in wrong and "HTTP 401" in wrong and "wrong-password" not in wrong


def test_api_connection_refused_and_bad_settings(admin):
    closed = f"http://127.0.0.1:{_free_port()}"
    html = _test(admin, "connector", "api", {"apiBaseUrl": closed, "apiAuthenticationType": "None"})
    assert "test-result fail" in html and "refused" in html
    invalid = _test(admin, "connector", "api", {"apiBaseUrl": "not-a-url", "apiAuthenticationType": "None"})
    assert "Fix the settings first" in invalid and "Base URL" in invalid


def test_api_connection_does_not_follow_redirects_with_credentials(admin, http_server):
    url, seen = http_server
    html = _test(admin, "connector", "api", {"apiBaseUrl": url + "/moved", "apiAuthenticationType": "Bearer", "apiToken": API_TOKEN})
    assert "HTTP 302" in html and len(seen) == 1


def test_api_connection_times_out(admin, app, http_server, monkeypatch):
    url, _ = http_server
    monkeypatch.setitem(app.config, "CONNECTION_TEST_TIMEOUT", 0.5)
    started = time.monotonic()
    html = _test(admin, "connector", "api", {"apiBaseUrl": url + "/slow", "apiAuthenticationType": "None"})
    assert time.monotonic() - started < 2
    assert "did not answer in time" in html


def _email(port, **extra):
    return {"emailProviderType": "ImapSmtp", "smtpServer": "127.0.0.1", "smtpPort": str(port),
            "imapServer": "127.0.0.1", "imapPort": str(port), **extra}


def test_smtp_connect_and_login(admin, smtp_server):
    html = _test(admin, "email", "smtp", _email(smtp_server, testUsername=USER, testPassword=PASSWORD))
    assert "test-result ok" in html and f"logged in as {USER}" in html
    assert PASSWORD not in html


def test_smtp_wrong_password_shows_the_server_error(admin, smtp_server):
    html = _test(admin, "email", "smtp", _email(smtp_server, testUsername=USER, testPassword="not-the-password"))
    assert "test-result fail" in html and "535" in html and "not-the-password" not in html


def test_smtp_tls_required_but_not_offered(admin, smtp_server):
    html = _test(admin, "email", "smtp", _email(smtp_server, smtpUseSsl="y"))
    assert "test-result fail" in html and "STARTTLS" in html


def test_smtp_connect_without_login(admin, smtp_server):
    html = _test(admin, "email", "smtp", _email(smtp_server))
    assert "test-result ok" in html and f"127.0.0.1:{smtp_server}" in html


def test_imap_connect_and_login(admin, imap_server):
    html = _test(admin, "email", "imap", _email(imap_server, testUsername=USER, testPassword=PASSWORD))
    assert "test-result ok" in html and f"logged in as {USER}" in html


def test_imap_wrong_password_shows_the_server_error(admin, imap_server):
    html = _test(admin, "email", "imap", _email(imap_server, testUsername=USER, testPassword="not-the-password"))
    assert "test-result fail" in html and "Invalid credentials" in html and "not-the-password" not in html


def test_imap_tls_required_but_not_offered(admin, imap_server):
    html = _test(admin, "email", "imap", _email(imap_server, imapUseSsl="y"))
    assert "test-result fail" in html and "STARTTLS" in html


def test_imap_connection_refused(admin):
    html = _test(admin, "email", "imap", _email(_free_port()))
    assert "test-result fail" in html and "refused" in html


def test_connection_tests_need_manage_settings(dashboard, tenant_a):
    agent = dashboard(tenant_a.agent)
    agent.get("/")
    assert agent.post("/settings/email/test/smtp", _email(25), htmx=True).status_code == 403


def test_unknown_test_kind_is_404(admin):
    assert admin.post("/settings/email/test/api", {}, htmx=True).status_code == 404
