""""Test connection": reach the configured outbound API, SMTP or IMAP server and report plainly.

Each test answers within CONNECTION_TEST_TIMEOUT seconds and never puts a secret in its message
(secrets are scrubbed from anything a server or a library says back).
"""
import base64
import imaplib
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass

IMPLICIT_TLS_PORTS = {"smtp": 465, "imap": 993}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: it would carry the credentials to another address."""

    def redirect_request(self, *args, **kwargs):
        return None


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


def http_api(base_url: str, auth_type: str, username=None, password=None, token=None, timeout=5.0) -> Outcome:
    """GET the base URL with the configured authentication; any answer below 400 is a success."""
    headers = {"User-Agent": "Switchboard connection test", "Accept": "*/*"}
    if auth_type == "Basic":
        pair = f"{username or ''}:{password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    elif auth_type == "Bearer":
        headers["Authorization"] = f"Bearer {token or ''}"
    elif auth_type == "ApiKey":
        headers["X-API-Key"] = token or ""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(base_url, headers=headers, method="GET")
    try:
        with opener.open(request, timeout=timeout) as response:
            status, reason = response.status, response.reason
    except urllib.error.HTTPError as exc:
        status, reason = exc.code, exc.reason
    except Exception as exc:  # noqa: BLE001  (anything the network says is the answer)
        return Outcome(False, _scrub(f"Could not reach {base_url}: {_describe(exc)}", [password, token]))
    ok = status < 400
    verdict = "Connected" if ok else "The server refused the request"
    return Outcome(ok, _scrub(f"{verdict}: HTTP {status} {reason}.", [password, token]))


def smtp(host: str, port: int, use_tls: bool, username=None, password=None, timeout=5.0) -> Outcome:
    """Connect, TLS where set (implicit on 465, STARTTLS elsewhere), log in when credentials are given."""
    try:
        if use_tls and port == IMPLICIT_TLS_PORTS["smtp"]:
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
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


def imap(host: str, port: int, use_tls: bool, username=None, password=None, timeout=5.0) -> Outcome:
    """Connect, TLS where set (implicit on 993, STARTTLS elsewhere), log in when credentials are given."""
    try:
        if use_tls and port == IMPLICIT_TLS_PORTS["imap"]:
            client = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)
        else:
            client = imaplib.IMAP4(host, port, timeout=timeout)
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
