"""What operations raise when a write cannot be done. They know nothing of HTTP:
app/errors.py maps each kind to a status, a problem+json body or a dashboard message, once.
"""


class DomainError(Exception):
    """`title` is a sentence for people; `errors` names fields ({"uids[1].uid": [...]});
    `extra` adds members to the API answer (`currentOrder`, `links`, `conflicts`...)."""

    def __init__(self, title: str, errors: dict[str, list[str]] | None = None, **extra):
        super().__init__(title)
        self.title = title
        self.errors = errors or {}
        self.extra = extra


class Invalid(DomainError):
    """The input breaks a rule; `errors` says which field and why."""

    def __init__(self, errors: dict[str, list[str]], title: str = "One or more validation errors occurred.", **extra):
        super().__init__(title, errors, **extra)

    @classmethod
    def field(cls, name: str, message: str, title: str | None = None) -> "Invalid":
        return cls({name: [message]}, title or message)


class NotFound(DomainError):
    """The record does not exist for this tenant (another tenant's row is simply not found)."""

    DEFAULT = "Not found."

    def __init__(self, title: str = DEFAULT, **extra):
        super().__init__(title, **extra)


class Conflict(DomainError):
    """The write clashes with what is stored: a duplicate, a stale list, a concurrent change."""


class StillReferenced(Conflict):
    """The record cannot be deleted while other records use it."""


class PreconditionFailed(DomainError):
    """A conditional write (If-Match) named a version that is no longer the current one; nothing
    was changed. `version` is the current version; `extra` carries the current state (`current`,
    or `currentOrder` for a list) so the caller can merge and retry."""

    DEFAULT = ("This was changed meanwhile: If-Match names an older version. "
               "Nothing was saved; the answer holds the current state and its ETag.")

    def __init__(self, version: str, title: str = DEFAULT, **current):
        super().__init__(title, **current)
        self.version = version


class Gone(DomainError):
    """The record existed and is gone for good (merged into another one: `extra` names it)."""
