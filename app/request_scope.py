"""The tenant and the actor of the current request, settled from the caller (the bearer token or API
key on /api, the session on the dashboard) the first time a view asks, then kept on g. Views read
them here and pass them on; nothing below a view looks at the request.

Settled on demand rather than in a before_request hook, so that requests which never ask (static
files, /healthz, the login page, the API docs) load no session user and run no query.
"""
from typing import NamedTuple

from flask import abort, g

from app.actors import Actor
from app.auth.models import Representative
from app.auth.policies import current_principal, principal_representative
from app.extensions import db


class Scope(NamedTuple):
    customer_id: int
    actor: Actor


def _scope_of_caller() -> Scope | None:
    principal = current_principal()
    if principal is None:
        return None
    if principal.is_phone:
        return Scope(principal.customer_id, Actor.phone_channel(principal.channel_id))
    if principal.is_api_key:
        return Scope(principal.customer_id, Actor.api_key(principal.api_key_id, principal.name))
    return Scope(principal.customer_id, Actor.representative(principal_representative(principal)))


def current_scope() -> Scope:
    """(customer_id, actor) of this request; 401 when nobody is signed in."""
    if "scope" not in g:
        g.scope = _scope_of_caller()
    if g.scope is None:
        abort(401)
    return g.scope


def current_customer_id() -> int:
    return current_scope().customer_id


def current_representative() -> Representative | None:
    """The signed-in representative (None for a phone token)."""
    actor = current_scope().actor
    return db.session.get(Representative, actor.id) if actor.type == "Representative" else None
