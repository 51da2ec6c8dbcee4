"""The answer of POST /api/Auth/login and /api/Auth/phone-login, declared once (app.dtos).

One schema documents both logins, so the fields only one of them has are optional: a
representative's token has representativeID and roles, a phone channel's channelID and authType.
"""
from datetime import datetime

from app.auth.tokens import Principal
from app.dtos import Dto, const, from_context, optional
from app.openapi import INTEGER, STRING, TIMESTAMP
from app.timeutil import iso

TOKEN = Dto(None, {  # untitled: shown inline in the document, as it always was
    "token": (STRING, from_context("token")),
    "tokenType": ({"const": "Bearer"}, const("Bearer")),
    "expiresAt": (TIMESTAMP, from_context("expires", then=iso)),
    "representativeID": optional(INTEGER, "representative_id"),
    "customerID": (INTEGER, "customer_id"),
    "roles": optional({"type": "array", "items": STRING}, lambda p: None if p.is_phone else list(p.roles)),
    "channelID": optional(INTEGER, "channel_id"),
    "authType": optional({"const": "phone"}, lambda p: "phone" if p.is_phone else None),
}, closed=False)


def token_dto(principal: Principal, token: str, expires: datetime) -> dict:
    """The login answer: the token and whom it names."""
    return TOKEN.dump(principal, token=token, expires=expires)
