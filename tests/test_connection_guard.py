""""Test connection" reaches public servers only, never sends a stored secret to a new base URL,
and does not relay what the remote server says about itself. The listeners here run on loopback
and record what reaches them: a refused test must leave them untouched."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.customers.outbound import Refused, checked_address

TOKEN = "stored-token-never-to-leave-7788"


class _Recorder(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.seen.append(dict(self.headers))
        self.send_response(200, "Banner-From-The-Remote-Server")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    """factory() -> (port, requests seen), a fresh HTTP server on 127.0.0.1 each call."""
    servers = []

    def start():
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        server.seen = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_port, server.seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def admin(dashboard, tenant_a):
    session = dashboard(tenant_a.admin)
    session.get("/settings/connector")
    return session


def _test(admin, data, kind="api", group="connector"):
    response = admin.post(f"/settings/{group}/test/{kind}", data, htmx=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("host", [
    "127.0.0.1", "localhost", "2130706433", "0x7f000001", "127.1", "0177.0.0.1", "::1", "[::ffff:127.0.0.1]",
    "::ffff:7f00:1", "169.254.169.254", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "fe80::1", "fc00::1", "ff02::1",
    "64:ff9b::7f00:1", "2002:7f00:1::1", "::",
])
def test_loopback_private_link_local_multicast_reserved_and_mapped_addresses_are_refused(host):
    with pytest.raises(Refused, match="only reaches public servers"):
        checked_address(host, 80)


@pytest.mark.parametrize("host", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(host):
    assert checked_address(host, 443) in (host, host.strip("[]"))


def test_the_allowlist_names_a_host_or_a_host_and_port():
    assert checked_address("127.0.0.1", 8025, ["127.0.0.1"]) == "127.0.0.1"
    assert checked_address("2130706433", 8025, ["127.0.0.1:8025"]) == "127.0.0.1"  # the same address, written otherwise
    with pytest.raises(Refused):
        checked_address("127.0.0.1", 8026, ["127.0.0.1:8025"])
    with pytest.raises(Refused):
        checked_address("10.0.0.1", 80, ["127.0.0.1"])


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/", "http://localhost:{port}/", "http://2130706433:{port}/",
                                 "http://[::ffff:127.0.0.1]:{port}/", "http://0x7f.1:{port}/"])
def test_the_dashboard_refuses_loopback_in_any_spelling_and_sends_nothing(admin, listener, url):
    port, seen = listener()
    html = _test(admin, {"apiBaseUrl": url.format(port=port), "apiAuthenticationType": "Bearer", "apiToken": "typed"})
    assert "test-result fail" in html and "only reaches public servers" in html
    assert seen == []


def test_metadata_and_private_addresses_are_refused_before_any_connection(admin):
    for url in ("http://169.254.169.254/latest/meta-data/", "http://10.1.2.3:8080/", "http://192.168.0.1/"):
        html = _test(admin, {"apiBaseUrl": url, "apiAuthenticationType": "None"})
        assert "only reaches public servers" in html, url


def test_smtp_and_imap_are_guarded_too(admin, listener):
    port, _ = listener()
    for kind in ("smtp", "imap"):
        html = _test(admin, {"emailProviderType": "ImapSmtp", "smtpServer": "127.0.0.1", "smtpPort": str(port),
                             "imapServer": "localhost", "imapPort": str(port)}, kind=kind, group="email")
        assert "only reaches public servers" in html, kind


def test_a_stored_secret_goes_only_to_the_saved_base_url(app, admin, listener, monkeypatch):
    monkeypatch.setitem(app.config, "CONNECTION_TEST_ALLOWED_HOSTS", ["127.0.0.1"])
    saved_port, saved_seen = listener()
    other_port, other_seen = listener()
    saved, other = f"http://127.0.0.1:{saved_port}/api", f"http://127.0.0.1:{other_port}/api"
    admin.post("/settings/connector", {"apiBaseUrl": saved, "apiAuthenticationType": "Bearer", "apiToken": TOKEN}, htmx=True)

    refused = _test(admin, {"apiBaseUrl": other, "apiAuthenticationType": "Bearer"})
    assert "test-result fail" in refused and "Token: type it again" in refused
    assert other_seen == []
    for auth in ("ApiKey", "Basic"):  # whichever header would carry a stored secret
        admin.post("/settings/connector", {"apiBaseUrl": saved, "apiAuthenticationType": auth, "apiToken": TOKEN,
                                           "apiUsername": "svc-user", "apiPassword": "stored-password-1"}, htmx=True)
        assert "type it again" in _test(admin, {"apiBaseUrl": other, "apiAuthenticationType": auth,
                                                "apiUsername": "svc-user"}), auth
    assert other_seen == []

    typed = _test(admin, {"apiBaseUrl": other, "apiAuthenticationType": "Basic", "apiUsername": "svc-user",
                          "apiPassword": "typed-again"})
    assert "test-result ok" in typed and len(other_seen) == 1
    same = _test(admin, {"apiBaseUrl": saved, "apiAuthenticationType": "Basic", "apiUsername": "svc-user"})
    assert "test-result ok" in same and saved_seen[-1]["Authorization"].startswith("Basic ")


def test_the_answer_names_the_status_code_only(app, admin, listener, monkeypatch):
    monkeypatch.setitem(app.config, "CONNECTION_TEST_ALLOWED_HOSTS", ["127.0.0.1"])
    port, seen = listener()
    html = _test(admin, {"apiBaseUrl": f"http://127.0.0.1:{port}/", "apiAuthenticationType": "None"})
    assert "HTTP 200" in html and "Banner-From-The-Remote-Server" not in html and len(seen) == 1
