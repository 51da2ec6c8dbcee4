"""Login throttling, three limits:

- per client address (LOGIN_RATE_LIMIT), every login POST, and every start and callback of a
  single sign-on (GETs, each making the server call the tenant's identity provider);
- failed logins per account and address pair (LOGIN_ACCOUNT_RATE_LIMIT): a stranger guessing the
  owner's password slows down only themselves, the owner signs in from their own address;
- failed logins per account from everywhere (LOGIN_ACCOUNT_CEILING), a slower ceiling against
  guessing spread over many addresses; one address alone stays below it.
"""
from flask import current_app, request
from flask_limiter.util import get_remote_address

from app.auth.emails import account_key
from app.extensions import limiter


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    try:
        body = request.get_json(silent=True) if request.is_json else request.form
    except RecursionError:  # absurdly nested JSON; the view answers 400 for it
        body = None
    if not hasattr(body, "get"):
        return "account:unknown"
    account = body.get("email") or body.get("channelID") or ""
    return f"account:{account_key(str(account))[:254]}"


def _pair_key() -> str:
    return f"{_account_key()}|address:{get_remote_address()}"


def _only_posts() -> bool:
    return request.method != "POST"


def _failed(response) -> bool:
    return response.status_code == 401


throttle_by_address = limiter.limit(_login_limit, exempt_when=_only_posts, scope="login-address")
throttle_by_pair = limiter.limit(
    lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], key_func=_pair_key, exempt_when=_only_posts,
    deduct_when=_failed, scope="login-account-address",
)
throttle_by_account = limiter.limit(
    lambda: current_app.config["LOGIN_ACCOUNT_CEILING"], key_func=_account_key, exempt_when=_only_posts,
    deduct_when=_failed, scope="login-account",
)


def throttled(view):
    return throttle_by_address(throttle_by_pair(throttle_by_account(view)))


throttle_sso = limiter.limit(_login_limit, scope="login-sso")  # per route and address, like throttle_by_address
