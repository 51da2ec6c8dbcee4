"""A bearer token that is an API key: find it by its hash, refuse it revoked or expired, and note
when it was last used (at most once a minute, after the request's own transaction)."""
from datetime import timedelta

from flask import after_this_request, current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError

from app.api_keys.key_format import digest
from app.api_keys.models import ApiKey
from app.auth.tokens import Principal
from app.extensions import db
from app.timeutil import utcnow
from app.unit_of_work import unit_of_work

LAST_USED_GRANULARITY = timedelta(minutes=1)


def principal_for_key(token: str) -> Principal | None:
    key = db.session.scalars(select(ApiKey).where(ApiKey.key_hash == digest(token))).one_or_none()
    now = utcnow()
    if key is None or key.expired(now):
        return None
    if key.last_used_at is None or key.last_used_at <= now - LAST_USED_GRANULARITY:
        _note_use_after_request(key.id, now)
    return Principal(key.customer_id, "apikey", scopes=tuple(key.scope_list), api_key_id=key.id, name=key.name)


def _note_use_after_request(key_id: int, now) -> None:
    """Its own small transaction once the request's is over: a read stays a read (SQLite takes no
    write lock for it), a failed request still counts as a use, and concurrent requests of the
    same minute write it once (the WHERE re-checks)."""

    @after_this_request
    def note(response):
        try:
            with unit_of_work():
                db.session.execute(update(ApiKey).where(
                    ApiKey.id == key_id,
                    or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - LAST_USED_GRANULARITY),
                ).values(last_used_at=now))
        except OperationalError:  # a busy database: the stamp waits for the next minute
            current_app.logger.warning("Could not record the use of API key %s", key_id, exc_info=True)
        return response
