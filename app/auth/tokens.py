"""JWT issue and verification with joserfc. Exactly one algorithm is accepted: HS256."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from app.auth.models import POLICIES

ALGORITHM = "HS256"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a representative, a phone channel (phone-login) or an API key."""

    customer_id: int
    kind: str  # "representative" | "phone" | "apikey"
    representative_id: int | None = None
    roles: tuple[str, ...] = field(default_factory=tuple)
    channel_id: int | None = None
    api_key_id: int | None = None
    scopes: tuple[str, ...] = field(default_factory=tuple)  # an API key's (app/api_keys/scopes.py)
    name: str | None = None
    session_version: int | None = None  # a representative's token: the version it was issued under

    @property
    def is_phone(self) -> bool:
        return self.kind == "phone"

    @property
    def is_api_key(self) -> bool:
        return self.kind == "apikey"

    def has_policy(self, policy: str) -> bool:
        return not self.is_phone and bool(POLICIES[policy] & set(self.roles))


class InvalidToken(Exception):
    pass


def _key() -> OctKey:
    return _imported_key(current_app.config["JWT_SIGNING_KEY"])


@lru_cache(maxsize=4)
def _imported_key(secret: str) -> OctKey:
    """Importing the key costs a fifth of verifying a token: done once per secret."""
    return OctKey.import_key(secret)


@lru_cache(maxsize=4096)
def _signed_claims(token: str, secret: str) -> dict:
    """The claims of a token whose signature is good, remembered per token: a caller sends the
    same token for an hour, and checking the signature is most of a token's cost. Only good
    signatures are remembered (a bad one raises); expiry and the other claims are checked on
    every request. Never changed by the caller."""
    return jwt.decode(token, _imported_key(secret), algorithms=[ALGORITHM]).claims


@lru_cache(maxsize=4)
def _claims_registry(issuer: str, audience: str) -> jwt.JWTClaimsRegistry:
    return jwt.JWTClaimsRegistry(
        leeway=5,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        customerID={"essential": True},
        roles={"essential": True},
    )


def issue(subject: str, customer_id: int, roles: list[str], lifetime: int, **claims) -> tuple[str, datetime]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    expires = now + timedelta(seconds=lifetime)
    payload = {
        "iss": current_app.config["JWT_ISSUER"],
        "aud": current_app.config["JWT_AUDIENCE"],
        "sub": subject,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "customerID": customer_id,
        "roles": roles,
        **claims,
    }
    return jwt.encode({"alg": ALGORITHM, "typ": "JWT"}, payload, _key(), algorithms=[ALGORITHM]), expires


def verify(token: str) -> Principal:
    """Decode and check signature and claims; raise InvalidToken for anything wrong."""
    try:
        claims = _signed_claims(token, current_app.config["JWT_SIGNING_KEY"])
        _claims_registry(current_app.config["JWT_ISSUER"], current_app.config["JWT_AUDIENCE"]).validate(claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from None
    if not isinstance(claims["customerID"], int) or not isinstance(claims["roles"], list):
        raise InvalidToken("malformed claims")
    if claims.get("authType") == "phone":
        channel_id = claims.get("channelID")
        if not isinstance(channel_id, int):
            raise InvalidToken("malformed phone claims")
        return Principal(claims["customerID"], "phone", channel_id=channel_id)
    try:
        representative_id = int(claims["sub"])
    except ValueError:
        raise InvalidToken("malformed subject") from None
    version = claims.get("sessionVersion")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidToken("no session version")
    return Principal(
        claims["customerID"], "representative", representative_id, tuple(claims["roles"]), session_version=version
    )
