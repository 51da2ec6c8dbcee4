"""POST /api/Auth/login and /api/Auth/phone-login: JWTs for representatives and phone channels."""
from flask import Blueprint, abort, current_app

from app.auth import tokens
from app.auth.forms import LoginForm, PhoneLoginForm
from app.auth.operations import authenticate, authenticate_phone_channel
from app.auth.ratelimits import throttled
from app.jsonforms import validate_json
from app.openapi import documented
from app.timeutil import iso

bp = Blueprint("api_auth", __name__, url_prefix="/api/Auth")

BAD_CREDENTIALS = "Invalid e-mail or password."

TOKEN = {
    "type": "object",
    "required": ["token", "tokenType", "expiresAt", "customerID"],
    "properties": {
        "token": {"type": "string"}, "tokenType": {"const": "Bearer"}, "expiresAt": {"type": "string", "format": "date-time"},
        "representativeID": {"type": "integer"}, "customerID": {"type": "integer"},
        "roles": {"type": "array", "items": {"type": "string"}}, "channelID": {"type": "integer"},
        "authType": {"const": "phone"},
    },
}


@bp.post("/login")
@documented(summary="Log in as a representative and receive a JWT", body=LoginForm, public=True,
            responses={200: ("A bearer token", TOKEN), 401: ("Wrong e-mail or password", None)})
@throttled
def login():
    form, _ = validate_json(LoginForm)
    rep = authenticate(form.email.data, form.password.data)
    if rep is None:
        abort(401, BAD_CREDENTIALS)
    token, expires = tokens.issue(
        str(rep.id), rep.customer_id, rep.roles, current_app.config["JWT_LIFETIME_SECONDS"]
    )
    return {
        "token": token,
        "tokenType": "Bearer",
        "expiresAt": iso(expires),
        "representativeID": rep.id,
        "customerID": rep.customer_id,
        "roles": rep.roles,
    }


@bp.post("/phone-login")
@documented(summary="Log in as a phone channel and receive a short-lived phone token", body=PhoneLoginForm,
            public=True, responses={200: ("A phone token", TOKEN), 401: ("Wrong channel or secret", None)})
@throttled
def phone_login():
    form, _ = validate_json(PhoneLoginForm)
    channel = authenticate_phone_channel(form.channelID.data, form.channelSecret.data)
    if channel is None:
        abort(401, "Invalid channel or channel secret.")
    token, expires = tokens.issue(
        f"channel:{channel.id}",
        channel.customer_id,
        ["PhoneAuth"],
        current_app.config["PHONE_JWT_LIFETIME_SECONDS"],
        authType="phone",
        channelID=channel.id,
    )
    return {
        "token": token,
        "tokenType": "Bearer",
        "expiresAt": iso(expires),
        "customerID": channel.customer_id,
        "channelID": channel.id,
        "authType": "phone",
    }
