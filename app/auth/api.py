"""POST /api/Auth/login and /api/Auth/phone-login: JWTs for representatives and phone channels."""
from flask import Blueprint, abort, current_app

from app.auth import tokens
from app.auth.forms import LoginForm, PhoneLoginForm
from app.auth.operations import authenticate, authenticate_phone_channel, record_login
from app.auth.ratelimits import throttled
from app.auth.serializers import TOKEN, token_dto
from app.auth.tokens import Principal
from app.jsonforms import validate_json
from app.openapi import documented
from app.unit_of_work import begin_writing, reads_first

bp = Blueprint("api_auth", __name__, url_prefix="/api/Auth")

BAD_CREDENTIALS = "Invalid e-mail or password."


@bp.post("/login")
@reads_first  # the password check holds no write lock; recording the sign-in is the only write
@documented(summary="Log in as a representative and receive a JWT", body=LoginForm, public=True,
            responses={200: ("A bearer token", TOKEN.schema), 401: ("Wrong e-mail or password", None)})
@throttled
def login():
    form, _ = validate_json(LoginForm)
    rep = authenticate(form.email.data, form.password.data)
    if rep is None:
        abort(401, BAD_CREDENTIALS)
    begin_writing()
    record_login(rep)
    token, expires = tokens.issue(
        str(rep.id), rep.customer_id, rep.roles, current_app.config["JWT_LIFETIME_SECONDS"],
        sessionVersion=rep.session_version,
    )
    return token_dto(Principal(rep.customer_id, "representative", rep.id, tuple(rep.roles)), token, expires)


@bp.post("/phone-login")
@reads_first  # writes nothing: the secret's check holds no write lock
@documented(summary="Log in as a phone channel and receive a short-lived phone token", body=PhoneLoginForm,
            public=True, responses={200: ("A phone token", TOKEN.schema), 401: ("Wrong channel or secret", None)})
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
    return token_dto(Principal(channel.customer_id, "phone", channel_id=channel.id), token, expires)
