"""Rate limits on the API, per token (per caller without one); an API key has its own limit
(API_KEY_RATE_LIMIT), counted per key.

Counters live in RATELIMIT_STORAGE_URI: memory:// is per process, redis:// is shared by every
app process, so several gunicorn workers enforce one limit together.
"""
from flask import Blueprint, current_app
from flask_limiter.util import get_remote_address

from app.auth.policies import current_principal
from app.extensions import limiter


def api_rate_key() -> str:
    principal = current_principal()
    if principal is None:
        return f"address:{get_remote_address()}"
    if principal.is_api_key:
        return f"apikey:{principal.customer_id}:{principal.api_key_id}"
    who = principal.representative_id if not principal.is_phone else f"channel-{principal.channel_id}"
    return f"token:{principal.customer_id}:{who}"


def _api_limit() -> str:
    principal = current_principal()
    if principal is not None and principal.is_api_key:
        return current_app.config["API_KEY_RATE_LIMIT"]
    return current_app.config["API_RATE_LIMIT"]


def limit_api_blueprint(bp: Blueprint) -> None:
    limiter.limit(_api_limit, key_func=api_rate_key, scope="api", override_defaults=False)(bp)
