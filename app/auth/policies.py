"""Who may call what, for both faces.

The API reads a bearer token; the dashboard reads the Flask-Login session. Both end in a
Principal, and the same policy names (ManageSettings, TicketAccess) guard both.
"""
from dataclasses import replace
from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from app.auth.models import Representative
from app.auth.tokens import InvalidToken, Principal, verify
from app.channels.models import Channel
from app.extensions import db

_UNSET = object()


def _principal_from_bearer() -> Principal | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        principal = verify(token.strip())
    except InvalidToken:
        return None
    return _as_stored(principal)


def _as_stored(principal: Principal) -> Principal | None:
    """The token checked against the representative's row (which the request loads anyway, for
    its actor): a deactivated person's token, or one issued before a sign-out, a role or a
    password change (an older session version), stops working; the roles are the stored ones."""
    if principal.is_phone:
        return principal  # the phone channel match is checked by phone_auth routes, answering 403
    rep = db.session.get(Representative, principal.representative_id)
    if (rep is None or not rep.is_active or rep.customer_id != principal.customer_id
            or rep.session_version != principal.session_version):
        return None
    return replace(principal, roles=tuple(rep.roles))


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


def _guard(allow):
    """Wrap a view: 401 without a principal, 403 when `allow(principal)` is false."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                abort(401)
            if not allow(principal):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def requires(policy: str):
    """A representative holding `policy` (ManageSettings or TicketAccess)."""
    return _guard(lambda p: p.has_policy(policy))


authenticated = _guard(lambda p: not p.is_phone)
phone_auth_only = _guard(lambda p: p.is_phone and _phone_channel_matches(p))
ticket_access_or_phone = _guard(
    lambda p: p.has_policy("TicketAccess") or (p.is_phone and _phone_channel_matches(p))
)
