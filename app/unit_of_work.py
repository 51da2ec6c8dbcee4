"""One transaction per request, command or job: commit once when it succeeds, roll back on any error.

Requests: `TransactionalFlask.dispatch_request` wraps every view; an answer of 400 or more is a
failure too, so a view that renders an error never leaves half a change behind. A view marked
`read_only` (a dry run, a POST that only computes) always ends in a rollback; one marked
`reads_first` (a login: the slow password check, then a short write) reads in a transaction of its
own and takes SQLite's write lock only from `begin_writing()` on. The CLI and jobs
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


def reads_first(view):
    """Mark a POST that reads for long before it writes little (a login verifies an Argon2 hash,
    then records the sign-in): it starts in a read transaction, so on SQLite no other writer waits
    for the slow part, and calls `begin_writing()` before its first write. Unlike `read_only`, its
    unit of work commits."""
    view.reads_first = True
    return view


def _view_marked(marker: str) -> bool:
    view = current_app.view_functions.get(request.url_rule.endpoint) if request.url_rule else None
    return getattr(view, marker, False)


def _read_only_view() -> bool:
    return _view_marked("read_only")


def _request_writes() -> bool:
    return request.method not in READ_METHODS and not _read_only_view() and not _view_marked("reads_first")


def writes_expected() -> bool:
    """Whether the current unit of work writes (SQLite then takes its write lock at BEGIN)."""
    return _writing.get() or (has_request_context() and _request_writes())


def begin_writing() -> None:
    """From here on the unit of work writes: the read transaction so far is rolled back (so call it
    before the first write) and the next one takes SQLite's write lock at its first statement
    (BEGIN IMMEDIATE). A new transaction rather than an upgrade of the read one, which SQLite
    refuses at once (SQLITE_BUSY, no waiting) when another connection committed since it began.
    A no-op where the unit of work writes already (any POST not marked)."""
    if _writing.get():
        return
    session = db.session
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_writing() comes before the first write, not after it")
    session.rollback()  # a read ends; what it loaded is reloaded in the write transaction
    _writing.set(True)


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
