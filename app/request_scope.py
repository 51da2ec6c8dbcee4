"""The tenant and the actor of the current request, settled once by a before_request hook from
the caller (the bearer token or API key on /api, the session on the dashboard). Views read them here and
pass them on; nothing below a view looks at the request.
"""
from typing import NamedTuple

from flask import Flask, abort, g, request

from app.actors import Actor
from app.auth.models import Representative
from app.auth.policies import current_principal, principal_representative
from app.extensions import db


class Scope(NamedTuple):
    customer_id: int
    actor: Actor


def _settle_scope() -> None:
    if request.endpoint == "static":
        return
    principal = current_principal()
    if principal is None:
        g.scope = None
    elif principal.is_phone:
        g.scope = Scope(principal.customer_id, Actor.phone_channel(principal.channel_id))
    elif principal.is_api_key:
        g.scope = Scope(principal.customer_id, Actor.api_key(principal.api_key_id, principal.name))
    else:
        g.scope = Scope(principal.customer_id, Actor.representative(principal_representative(principal)))


def current_scope() -> Scope:
    """(customer_id, actor) of this request; 401 when nobody is signed in."""
    scope = g.get("scope")
    if scope is None:
        abort(401)
    return scope


def current_customer_id() -> int:
    return current_scope().customer_id


def current_representative() -> Representative | None:
    """The signed-in representative (None for a phone token)."""
    actor = current_scope().actor
    return db.session.get(Representative, actor.id) if actor.type == "Representative" else None


def register_request_scope(app: Flask) -> None:
    app.before_request(_settle_scope)
