"""Versions for optimistic concurrency: reads carry an `ETag`, a write that sends `If-Match` with
an older one is refused (412, PreconditionFailed) and changes nothing. No silently lost update.

A version is computed, not stored: a strong ETag, the first 128 bits of SHA-256 over the
canonical JSON of the state that matters (a record's read DTO, with a keyed digest of each
write-only secret, or a list's ordered (id, priority, actionID) members). Equal state, equal
ETag, on SQLite and PostgreSQL alike. What "the state that matters" is for each resource is its
serializer's `*_etag` function.

Where the check runs: inside the request's unit of work, after the record was read under a
row lock (`get_scoped(..., lock=True)`: FOR UPDATE on PostgreSQL; SQLite's writers are
serialised by BEGIN IMMEDIATE) or, for a list, under its list lock (app/actions/ordering.py);
so of two racing writes with the same If-Match exactly one passes. A request without If-Match
takes no extra lock and is not checked.
"""
import hashlib
import hmac
import json
from collections.abc import Callable

from flask import current_app, has_request_context, request
from werkzeug.http import parse_etags

from app.domain_errors import PreconditionFailed
from app.extensions import db
from app.openapi import STRING, problem
from app.tenancy import get_scoped_or_404


def etag_of(value) -> str:
    """The strong ETag (quoted) of a JSON-able value."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def secret_digest(value: str | None) -> str | None:
    """A write-only secret as a version sees it: a keyed digest (HMAC with SECRET_KEY), so a replaced
    secret changes the version while the ETag tells nothing about the value (no offline guessing)."""
    if value is None:
        return None
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"switchboard-version|" + value.encode(), hashlib.sha256).hexdigest()


def list_etag(links) -> str:
    """The version of one ordered list of links (TopicActions or HookActions), in execution order."""
    return etag_of([[link.id, link.priority, link.action_id] for link in links])


def if_match() -> str | None:
    """The request's If-Match header; None when it sent none (an unconditional write)."""
    return request.headers.get("If-Match") if has_request_context() else None


def matches(condition: str, current_etag: str) -> bool:
    """Strong comparison (RFC 9110): `*` or one of the listed strong tags; a weak tag never matches."""
    return parse_etags(condition).contains(current_etag.strip('"'))


def check_if_match(current_etag: str, condition: str | None, current: Callable[[], dict], title: str | None = None) -> None:
    """Raise PreconditionFailed unless the condition (an If-Match value) is absent, `*`, or names
    the current version. `current()` gives the answer's extra members (the current state); it is
    called only on a refusal."""
    if condition is not None and not matches(condition, current_etag):
        raise PreconditionFailed(current_etag, title or PreconditionFailed.DEFAULT, **current())


def load_for_write(model, customer_id: int, ident, etag: Callable, current: Callable):
    """The record a PUT or DELETE changes. With If-Match: read under its row lock, and refused
    (412, `current(record)` as the state) unless the caller saw the current version."""
    condition = if_match()
    record = get_scoped_or_404(model, customer_id, ident, lock=condition is not None)
    check_if_match(etag(record), condition, lambda: {"current": current(record)})
    return record


def reloaded(record):
    """The record as stored after this request's writes (its new ETag is computed from it)."""
    db.session.flush()
    db.session.expire_all()
    return record


# ---- OpenAPI -----------------------------------------------------------------------------------

IF_MATCH = {"If-Match": (STRING, ("Optional: the ETag of the version you read. If it is no longer the current one, "
                                  "the answer is 412 with the current state and nothing changes; `*` always passes."))}


def etag_header(description: str = "The version of what was read or written; send it as If-Match on a write.",
                required: bool = True) -> dict:
    """The `ETag` response header, for @documented(response_headers={status: ...})."""
    return {"ETag": (STRING, description, required)}


def precondition_failed(name: str, **current: dict) -> tuple:
    """The 412 answer of a conditional write: problem+json with the current state, and its ETag."""
    description = "If-Match names an older version; nothing changed. The body holds the current state, ETag its version"
    return description, problem(f"PreconditionFailed_{name}", **current)


ETAG = etag_header()
STALE_ETAG = etag_header("The current version.")
