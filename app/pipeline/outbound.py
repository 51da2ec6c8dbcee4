"""The outbound call an ApiCall action would make, with every secret masked.

Nothing is sent. The credentials are the action's override where it has one, else the account's
(Settings); they never leave this module unmasked: a secret shows as `****` and, when it is long
enough not to give itself away, its last four characters (`Bearer ****1234`). Any header whose name
says it carries a credential, and any stored secret wherever it appears, is masked too.
"""
import json
import re
from dataclasses import dataclass

from app.actions.models import Action
from app.customers.models import Customer
from app.pipeline.placeholders import Rendering, render

SENSITIVE_HEADER = re.compile(r"auth|token|secret|password|passwd|api[-_]?key|cookie|signature|session", re.IGNORECASE)


def mask(secret: str | None) -> str:
    secret = secret or ""
    return "****" + (secret[-4:] if len(secret) > 8 else "")


@dataclass(frozen=True)
class Credentials:
    auth_type: str
    username: str | None
    password: str | None
    token: str | None

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self.password, self.token) if s]


def credentials(action: Action, customer: Customer) -> Credentials:
    def secret(name):
        stored = customer.secret(name)
        return stored.value if stored else None

    return Credentials(
        action.override_api_authentication_type or customer.api_authentication_type or "None",
        action.override_api_username or customer.api_username,
        action.override_api_password or secret("apiPassword"),
        action.override_api_token or secret("apiToken"),
    )


def _auth_header(creds: Credentials) -> dict[str, str]:
    if creds.auth_type == "Basic":
        return {"Authorization": f"Basic {creds.username or ''}:{mask(creds.password)} (base64-encoded when sent)"}
    if creds.auth_type == "Bearer":
        return {"Authorization": f"Bearer {mask(creds.token)}"}
    if creds.auth_type == "ApiKey":
        return {"X-API-Key": mask(creds.token)}
    return {}


def _url(base: str | None, endpoint: str) -> str:
    if endpoint.lower().startswith(("http://", "https://")) or not base:
        return endpoint
    return base.rstrip("/") + "/" + endpoint.lstrip("/")


def _scrub(text, secrets: list[str]):
    if not isinstance(text, str):
        return text
    for secret in secrets:
        if len(secret) >= 3:
            text = text.replace(secret, mask(secret))
    return text


def outbound_request(action: Action, customer: Customer, values: dict) -> tuple[dict, Rendering, list[str]]:
    """(request, rendering, notes): the request as it would be sent, placeholders filled."""
    rendering, notes = Rendering(), []
    creds = credentials(action, customer)
    secrets = [*creds.secrets, *(s.value for s in customer.secrets if s.name in ("apiPassword", "apiToken"))]
    base = action.override_api_base_url or customer.api_base_url
    endpoint = render(action.api_endpoint or "", values, rendering) or ""
    if not base and not endpoint.lower().startswith(("http://", "https://")):
        notes.append("No base URL is set (neither on the action nor in Settings): the call has no address to go to.")
    headers = {}
    raw_headers = render(action.api_headers, values, rendering)
    if raw_headers:
        try:
            parsed = json.loads(raw_headers)
            headers = {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}
        except ValueError:
            notes.append("The headers are not a JSON object once their placeholders are filled; they are left out.")
    headers = {name: mask(value) if SENSITIVE_HEADER.search(name) else value for name, value in headers.items()}
    headers.update(_auth_header(creds))
    body = render(action.api_body_template, values, rendering)
    request = {
        "method": action.api_method or "GET",
        "url": _scrub(_url(base, endpoint), secrets),
        "headers": {name: _scrub(value, secrets) for name, value in headers.items()},
        "body": _scrub(body, secrets),
        "authenticationType": creds.auth_type,
        "unknownPlaceholders": list(rendering.unknown),
        "templateErrors": [_scrub(e, secrets) for e in rendering.errors],
    }
    return request, rendering, notes
