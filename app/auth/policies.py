"""Who may call what, for both faces.

The API reads a bearer token (a JWT, or an API key); the dashboard reads the Flask-Login session.
All end in a Principal, and the same policy names (ManageSettings, TicketAccess) guard both. An
API key holds no policy: its scopes decide, from the path and method (app/api_keys/scopes.py).
"""
from dataclasses import replace
from functools import wraps

from flask import abort, g, request
from flask_login import current_user
from sqlalchemy import bindparam, select

from app.api_keys import scopes
from app.api_keys.key_format import looks_like_key
from app.api_keys.verification import principal_for_key
from app.auth.models import AuthorisedRepresentative, Representative
from app.auth.tokens import InvalidToken, Principal, verify
from app.channels.models import Channel
from app.extensions import db

_UNSET = object()
_REPRESENTATIVE_FACTS = select(
    *(Representative.__table__.c[name] for name in AuthorisedRepresentative.COLUMNS)
).where(Representative.__table__.c.id == bindparam("id"))


def _principal_from_bearer() -> Principal | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    if looks_like_key(token):
        return principal_for_key(token)
    try:
        principal = verify(token)
    except InvalidToken:
        return None
    return _as_stored(principal)


def _as_stored(principal: Principal) -> Principal | None:
    """The token checked against the representative's row (which the request loads anyway, for
    its actor): a deactivated person's token, or one issued before a sign-out, a role or a
    password change (an older session version), stops working; the roles are the stored ones."""
    if principal.is_phone:
        return principal  # the phone channel match is checked by phone_auth routes, answering 403
    rep = principal_representative(principal)
    if (rep is None or not rep.is_active or rep.customer_id != principal.customer_id
            or rep.session_version != principal.session_version):
        return None
    return replace(principal, roles=tuple(rep.roles))


def principal_representative(principal: Principal) -> AuthorisedRepresentative | None:
    """The representative behind a representative principal: the one place it is read, once per
    request (the token check and the request scope share it). A plain row, not an ORM object: one
    prepared statement costs a fifth of a Session.get (bench/hot_path.py)."""
    cached = g.get("principal_representative", _UNSET)
    if cached is _UNSET or (cached is not None and cached.id != principal.representative_id):
        row = db.session.execute(_REPRESENTATIVE_FACTS, {"id": principal.representative_id}).first()
        cached = g.principal_representative = AuthorisedRepresentative(*row) if row else None
    return cached


def current_principal() -> Principal | None:
    """The caller of this request, decoded once and kept on g."""
    cached = g.get("principal", _UNSET)
    if cached is not _UNSET:
        return cached
    if request.blueprint and request.blueprint.startswith("api"):
        principal = _principal_from_bearer()
    elif current_user.is_authenticated:
        principal = Principal(
            current_user.customer_id, "representative", current_user.id, tuple(current_user.roles)
        )
    else:
        principal = None
    g.principal = principal
    return principal


def _phone_channel_matches(principal: Principal) -> bool:
    channel = db.session.get(Channel, principal.channel_id)
    return (
        channel is not None
        and channel.customer_id == principal.customer_id
        and channel.channel_type == "Phone"
        and channel.is_active
    )


def _guard(allow, keys: bool = True):
    """Wrap a view: 401 without a principal, 403 when `allow(principal)` is false (for an API key:
    when its scopes do not cover the request, or always where keys=False)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                abort(401)
            if principal.is_api_key:
                allowed = keys and scopes.allows(principal.scopes, request.method, request.path)
            else:
                allowed = allow(principal)
            if not allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped._api_keys = keys  # the OpenAPI document lists the key scheme where a key may call
        return wrapped

    return decorator


def requires(policy: str, keys: bool = True):
    """A representative holding `policy` (ManageSettings or TicketAccess), or an API key whose scopes
    cover the request; keys=False: never a key (managing keys and people)."""
    return _guard(lambda p: p.has_policy(policy), keys)


authenticated = _guard(lambda p: not p.is_phone)
phone_auth_only = _guard(lambda p: p.is_phone and _phone_channel_matches(p), keys=False)
ticket_access_or_phone = _guard(
    lambda p: p.has_policy("TicketAccess") or (p.is_phone and _phone_channel_matches(p))
)
