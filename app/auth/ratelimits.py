"""Login throttling: per client address and per account (the e-mail or channel tried)."""
from flask import current_app, request

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


def _only_posts() -> bool:
    return request.method != "POST"


throttle_by_address = limiter.limit(_login_limit, exempt_when=_only_posts, scope="login-address")
throttle_by_account = limiter.limit(
    _login_limit, key_func=_account_key, exempt_when=_only_posts, scope="login-account"
)


def throttled(view):
    return throttle_by_address(throttle_by_account(view))
