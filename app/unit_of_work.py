"""One transaction per request, command or job: commit once when it succeeds, roll back on any error.

Requests: `TransactionalFlask.dispatch_request` wraps every view; an answer of 400 or more is a
failure too, so a view that renders an error never leaves half a change behind. A view marked
`read_only` (a dry run, a POST that only computes) always ends in a rollback. The CLI and jobs
use `unit_of_work()` around their work. Views that show a domain error next to a form run the
operation inside `attempt()`, a savepoint: the failed operation leaves nothing, the rest of the
request goes on. Nothing else in app/ commits.
"""
import contextvars
from contextlib import contextmanager

from flask import Flask, current_app, has_request_context, request
from sqlalchemy.exc import IntegrityError

from app.db_conflicts import conflict_from
from app.extensions import db

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_writing = contextvars.ContextVar("switchboard_unit_of_work_writes", default=False)


def read_only(view):
    """Mark a view that must store nothing although it is a POST (a dry run, a preview): its unit of
    work always ends in a rollback, and on SQLite it does not take the write lock."""
    view.read_only = True
    return view


def _read_only_view() -> bool:
    view = current_app.view_functions.get(request.url_rule.endpoint) if request.url_rule else None
    return getattr(view, "read_only", False)


def _request_writes() -> bool:
    return request.method not in READ_METHODS and not _read_only_view()


def writes_expected() -> bool:
    """Whether the current unit of work writes (SQLite then takes its write lock at BEGIN)."""
    return _writing.get() or (has_request_context() and _request_writes())


class UnitOfWork:
    def __init__(self):
        self.discarded = False

    def discard(self) -> None:
        """End with a rollback although nothing raised."""
        self.discarded = True


@contextmanager
def unit_of_work(write: bool = True):
    """Commit when the block ends, roll back if it raises (a constraint violation as a Conflict)."""
    token = _writing.set(write)
    work = UnitOfWork()
    try:
        yield work
        if work.discarded:
            db.session.rollback()
        else:
            db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise conflict_from(exc) from exc
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _writing.reset(token)


@contextmanager
def attempt():
    """A savepoint around one operation whose domain error the view will show: if it raises,
    nothing it wrote stays, and a database constraint violation comes out as a Conflict."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as exc:
        raise conflict_from(exc) from exc


class TransactionalFlask(Flask):
    def dispatch_request(self):
        with unit_of_work(write=_request_writes()) as work:
            response = self.make_response(super().dispatch_request())
            if response.status_code >= 400 or _read_only_view():
                work.discard()
        return response
