"""A database constraint violation, told as the Conflict it is.

Uniqueness and references are enforced by the database; two requests that race past the
operations' own checks end here. The answer names the conflict (which record, which field)
instead of failing with a 500.
"""
import re

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError

from app.domain_errors import Conflict, StillReferenced
from app.extensions import db

NOUNS = {
    "end_user": "end user", "end_user_uid": "identifier", "customer_secret": "secret",
    "topic_action": "topic link", "hook_action": "hook link", "custom_field_definition": "custom field",
    "ai_model": "AI model",
}
# Unique constraints worth a sentence of their own: name -> (title, field it is about).
# A title may name the clashing value: {name!r} is filled from the statement's parameters.
UNIQUE = {
    "uq_topic_customer_id_name": ("A topic named {name!r} already exists.", "name"),
    "uq_channel_customer_id_name": ("A channel named {name!r} already exists.", "name"),
    "uq_customer_secret_customer_id_name": ("This secret was just set by another request; reload to see it.", None),
    "uq_end_user_uid_customer_id_uid_type_uid_lookup": (
        "This identifier was just saved for another end user by another request; reload and try again.", "uid"),
    "uq_topic_action_customer_id_context_key_action_id": ("This action is already in that list.", "actionID"),
    "uq_hook_action_customer_id_context_key_action_id": ("This action is already in that list.", "actionID"),
    "uq_representative_email": ("A representative with this e-mail address already exists.", "email"),
    "uq_customer_name": ("A customer named {name!r} already exists.", "name"),
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")
_TABLE = re.compile(r'(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


def _noun(table: str | None) -> str:
    return NOUNS.get(table or "", (table or "record").replace("_", " "))


def _unique_constraint_for(columns: str) -> str | None:
    """SQLite names the columns ("topic.customer_id, topic.name"); find the constraint."""
    wanted = [c.strip() for c in columns.split(",")]
    table_name = wanted[0].split(".")[0]
    names = {c.split(".", 1)[1] for c in wanted}
    table = db.metadata.tables.get(table_name)
    if table is None:
        return None
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and {c.name for c in constraint.columns} == names:
            return constraint.name
    return None


_INSERT_COLUMNS = re.compile(r"^INSERT INTO\s+\S+\s*\(([^)]*)\)", re.IGNORECASE)
_UPDATE_COLUMNS = re.compile(r"^UPDATE\s+\S+\s+SET\s+(.*?)\s+WHERE", re.IGNORECASE | re.DOTALL)


def _values(statement: str, params) -> dict:
    """The statement's parameters by column (PostgreSQL's driver names them; SQLite's are positional)."""
    if isinstance(params, dict):
        return params
    if not isinstance(params, (list, tuple)):
        return {}
    if found := _INSERT_COLUMNS.match(statement):
        columns = [c.strip().strip('"') for c in found[1].split(",")]
    elif found := _UPDATE_COLUMNS.match(statement):
        columns = [part.split("=")[0].strip().strip('"') for part in found[1].split(",")]
    else:
        return {}
    return dict(zip(columns, params))


def _unique(name: str | None, table: str | None, values: dict) -> Conflict:
    title, field = UNIQUE.get(name or "", (f"This {_noun(table)} was just saved by another request; "
                                           "reload and try again.", None))
    if "{" in title:
        title = title.format(**{field: values.get(field, "this")}) if field in values else (
            title.replace(f"named {{{field}!r}}", f"with this {field}"))
    return Conflict(title, {field: [title]} if field else None)


def conflict_from(exc: IntegrityError) -> Conflict:
    orig = exc.orig
    statement = (exc.statement or "").lstrip()
    table_match = _TABLE.match(statement)
    table = table_match[1] if table_match else None
    diag = getattr(orig, "diag", None)
    if diag is not None:  # PostgreSQL names the constraint and the table
        state = getattr(orig, "sqlstate", "")
        if state == "23505":
            return _unique(diag.constraint_name, diag.table_name, _values(statement, exc.params))
        if state == "23503" and statement.upper().startswith("DELETE"):
            return StillReferenced(f"This {_noun(table)} is still used by a {_noun(diag.table_name)}; "
                                   "nothing was deleted.")
    else:
        found = _SQLITE_UNIQUE.search(str(orig))
        if found:
            return _unique(_unique_constraint_for(found[1]), table, _values(statement, exc.params))
        if "FOREIGN KEY" in str(orig) and statement.upper().startswith("DELETE"):
            return StillReferenced(f"This {_noun(table)} is still in use; nothing was deleted.")
    if statement.upper().startswith(("INSERT", "UPDATE")):
        return Conflict(f"A record this {_noun(table)} refers to was just changed or removed by another "
                        "request; reload and try again.")
    return Conflict("This change clashes with another one saved meanwhile; reload and try again.")
