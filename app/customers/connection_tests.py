""""Test connection": reach the configured outbound API, SMTP or IMAP server and report plainly.

Each test answers within CONNECTION_TEST_TIMEOUT seconds and never puts a secret in its message
(secrets are scrubbed from anything a server or a library says back). It reaches public servers
only, at the address that was checked (app/customers/outbound.py), and reports an HTTP answer by its
status code alone: the remote reason phrase is the server's text, not ours to relay.
"""
import base64
import http.client
import imaplib
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.customers.outbound import Refused, checked_address, connect_to

IMPLICIT_TLS_PORTS = {"smtp": 465, "imap": 993}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: it would carry the credentials to another address."""

    def redirect_request(self, *args, **kwargs):
        return None


def _pinned(connection_class, address: str):
    """An http.client connection class, as urllib builds it, that connects to `address` only."""

    def build(host, **kwargs):
        connection = connection_class(host, **kwargs)
        connection._create_connection = connect_to(address)
        return connection

    return build


class _PinnedHTTP(urllib.request.HTTPHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(_pinned(http.client.HTTPConnection, self.address), req)


class _PinnedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, address: str):
        super().__init__(context=ssl.create_default_context())
        self.address = address

    def https_open(self, req):
        return self.do_open(_pinned(http.client.HTTPSConnection, self.address), req, context=self._context)


class _PinnedSMTP(smtplib.SMTP):
    address = None

    def _get_socket(self, host, port, timeout):
        return connect_to(self.address)((host, port), timeout, self.source_address)


class _PinnedSMTPS(smtplib.SMTP_SSL, _PinnedSMTP):  # SMTP_SSL wraps the socket _PinnedSMTP opens
    pass


class _PinnedIMAP(imaplib.IMAP4):
    address = None

    def _create_socket(self, timeout):
        return connect_to(self.address)((self.host, self.port), timeout)


class _PinnedIMAPS(imaplib.IMAP4_SSL):
    address = None

    def _create_socket(self, timeout):
        sock = connect_to(self.address)((self.host, self.port), timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


def _to(cls, address: str):
    return type(cls.__name__, (cls,), {"address": address})


def _scrub(message: str, secrets) -> str:
    for secret in secrets:
        if secret and len(secret) >= 3:
            message = message.replace(secret, "••••")
    return message


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "The server did not answer in time."
    if isinstance(exc, ConnectionRefusedError):
        return "The connection was refused."
    if isinstance(exc, socket.gaierror):
        return "The server name could not be resolved."
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, urllib.error.URLError):
        return _describe(exc.reason) if isinstance(exc.reason, BaseException) else str(exc.reason)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"The server answered {exc.smtp_code} {text}"
    if isinstance(exc, imaplib.IMAP4.error):
        text = exc.args[0] if exc.args else exc
        return f"The server answered: {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return str(exc) or type(exc).__name__


def http_api(base_url: str, auth_type: str, username=None, password=None, token=None, timeout=5.0,
             allowed=()) -> Outcome:
    """GET the base URL with the configured authentication; any answer below 400 is a success."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Outcome(False, "The base URL must start with http:// or https:// and name a server.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = checked_address(parts.hostname, port, allowed)
    except ValueError:
        return Outcome(False, "The base URL has an invalid port.")
    except Refused as exc:
        return Outcome(False, f"Not connecting: {exc}")
    headers = {"User-Agent": "Switchboard connection test", "Accept": "*/*"}
    if auth_type == "Basic":
        pair = f"{username or ''}:{password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    elif auth_type == "Bearer":
        headers["Authorization"] = f"Bearer {token or ''}"
    elif auth_type == "ApiKey":
        headers["X-API-Key"] = token or ""
    # no ProxyHandler: a proxy from the environment would take the request past the address check
    opener = urllib.request.OpenerDirector()
    for handler in (_PinnedHTTP(address), _PinnedHTTPS(address), _NoRedirect(), urllib.request.HTTPErrorProcessor(),
                    urllib.request.HTTPDefaultErrorHandler()):
        opener.add_handler(handler)
    request = urllib.request.Request(base_url, headers=headers, method="GET")
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except Exception as exc:  # noqa: BLE001  (anything the network says is the answer)
        return Outcome(False, _scrub(f"Could not reach {base_url}: {_describe(exc)}", [password, token]))
    ok = status < 400
    verdict = "Connected" if ok else "The server refused the request"
    return Outcome(ok, f"{verdict}: HTTP {status}.")


def smtp(host: str, port: int, use_tls: bool, username=None, password=None, timeout=5.0, allowed=()) -> Outcome:
    """Connect, TLS where set (implicit on 465, STARTTLS elsewhere), log in when credentials are given."""
    try:
        address = checked_address(host, port, allowed)
    except Refused as exc:
        return Outcome(False, f"Not connecting: {exc}")
    try:
        if use_tls and port == IMPLICIT_TLS_PORTS["smtp"]:
            client = _to(_PinnedSMTPS, address)(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = _to(_PinnedSMTP, address)(host, port, timeout=timeout)
        with client:
            client.ehlo()
            if use_tls and port != IMPLICIT_TLS_PORTS["smtp"]:
                if not client.has_extn("starttls"):
                    return Outcome(False, f"{host}:{port} does not offer STARTTLS; turn TLS off or use another port.")
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if username:
                client.login(username, password or "")
                return Outcome(True, f"Connected to {host}:{port} and logged in as {username}.")
        return Outcome(True, f"Connected to {host}:{port}.")
    except Exception as exc:  # noqa: BLE001
        return Outcome(False, _scrub(f"SMTP {host}:{port}: {_describe(exc)}", [password]))


def imap(host: str, port: int, use_tls: bool, username=None, password=None, timeout=5.0, allowed=()) -> Outcome:
    """Connect, TLS where set (implicit on 993, STARTTLS elsewhere), log in when credentials are given."""
    try:
        address = checked_address(host, port, allowed)
    except Refused as exc:
        return Outcome(False, f"Not connecting: {exc}")
    try:
        if use_tls and port == IMPLICIT_TLS_PORTS["imap"]:
            client = _to(_PinnedIMAPS, address)(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)
        else:
            client = _to(_PinnedIMAP, address)(host, port, timeout=timeout)
        try:
            if use_tls and port != IMPLICIT_TLS_PORTS["imap"]:
                if "STARTTLS" not in client.capabilities:
                    return Outcome(False, f"{host}:{port} does not offer STARTTLS; turn TLS off or use another port.")
                client.starttls(ssl_context=ssl.create_default_context())
            if username:
                client.login(username, password or "")
                return Outcome(True, f"Connected to {host}:{port} and logged in as {username}.")
            return Outcome(True, f"Connected to {host}:{port}.")
        finally:
            try:
                client.logout()
            except Exception:  # noqa: BLE001, S110  (already closed is fine)
                pass
    except Exception as exc:  # noqa: BLE001
        return Outcome(False, _scrub(f"IMAP {host}:{port}: {_describe(exc)}", [password]))
