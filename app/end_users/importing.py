"""CSV import of end users, as a background job (app/jobs/).

The file: UTF-8 with or without a BOM, comma- or semicolon-separated (whichever the header line
holds more of), a header naming the columns: the EndUserBaseDTO field names (any case) plus
`email`, `phone`, `whatsapp` and `uid:<Type>` for identifiers of any other type. A column the
header does not know refuses the whole file (400 naming it): a typo would otherwise drop that
column's data from every row without a word. Blank lines are skipped; an empty cell is "no value"
(on an update it keeps the stored one).

Every row goes through EndUserCreateForm via validate_json, exactly as a POST /api/EndUsers body
does. `upsert` finds the person by customerRef, else by any of the row's identifiers, and updates
them; `create` only creates, and a row whose person exists already counts as unchanged when it
holds nothing new, else fails naming that person. So re-running a file changes nothing.
A batch of rows is matched and written together (app/end_users/import_batch.py: one lookup, one
flush, the same audit events as the end-user operations leave, by the Job actor); a batch whose
flush hits a constraint runs row by row through the operations (import_row).
A refused row becomes a line of the job's errors.csv (line 1 is the header); no row is dropped
in silence. One `Import` event per job records the counts when it ends (none for a dry run).
"""
import csv
import io
from dataclasses import dataclass

from sqlalchemy import select

from app.actors import Actor
from app.audit.recorder import kind_of, record_event
from app.domain_errors import Conflict, Invalid
from app.end_users.forms import EndUserCreateForm
from app.end_users.import_batch import Outcome, Valid, validated, write_or_fall_back
from app.end_users.models import EndUser, EndUserUID, lookup_key
from app.end_users.operations import create_end_user, update_end_user
from app.end_users.serializers import PROFILE_FIELDS
from app.extensions import db
from app.jobs.models import Job
from app.jobs.operations import job_label, queue_job
from app.jobs.runner import JobContext, JobKind, register_kind
from app.jsonforms import validate_json
from app.unit_of_work import attempt

MODES = ("create", "upsert")
IDENTIFIER_COLUMNS = {"email": "Email", "phone": "Phone", "whatsapp": "WhatsApp"}
PREVIEW_ROWS = 10
_BY_LOWER = {name.lower(): name for name in PROFILE_FIELDS}


class BadFile(Invalid):
    """400 on the `file` field: the file as a whole cannot be imported."""

    def __init__(self, message: str, **extra):
        super().__init__({"file": [message]}, title=message, **extra)


@dataclass(frozen=True)
class Column:
    heading: str  # as written in the file
    field: str | None  # a profile DTO name, or None for an identifier column
    uid_type: str | None = None


@dataclass(frozen=True)
class Row:
    line: int
    cells: list[str]


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: list[Row]
    delimiter: str


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise BadFile("The file is empty.")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadFile(f"The file is not UTF-8 text (byte {exc.start + 1} is not UTF-8). Save it as \"CSV UTF-8\" "
                      "and upload it again.") from None
    if "\x00" in text:
        raise BadFile("This is not a CSV file (it holds binary data).")
    if not text.strip():
        raise BadFile("The file is empty.")
    return text


def _column(heading: str) -> Column | None:
    name = heading.strip()
    lower = name.lower()
    if lower in _BY_LOWER:
        return Column(name, _BY_LOWER[lower])
    if lower in IDENTIFIER_COLUMNS:
        return Column(name, None, IDENTIFIER_COLUMNS[lower])
    if lower.startswith("uid:") and 0 < len(name[4:].strip()) <= 20:
        return Column(name, None, name[4:].strip())
    return None


def _header(cells: list[str]) -> list[Column]:
    columns = [_column(c) for c in cells]
    unknown = [c.strip() or f"(empty, column {i + 1})" for i, (c, col) in enumerate(zip(cells, columns)) if col is None]
    if unknown:
        known = ", ".join([*PROFILE_FIELDS, *IDENTIFIER_COLUMNS, "uid:<Type>"])
        raise BadFile(f"Unknown column{'s' if len(unknown) > 1 else ''} in the header: {', '.join(unknown)}. "
                      f"Known columns: {known}.", unknownColumns=unknown)
    seen = set()
    for column in columns:
        key = column.field or f"uid:{column.uid_type.lower()}"
        if key in seen:
            raise BadFile(f"The column {column.heading} appears twice in the header.")
        seen.add(key)
    return columns


def read_table(raw: bytes) -> Table:
    """The file parsed and its header checked; BadFile when it cannot be imported at all."""
    text = _decode(raw)
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, start = [], 1
    try:
        header = next(reader)
        columns = _header(header)
        start = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append(Row(start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise BadFile(f"This is not a readable CSV file (line {start}: {exc}).") from None
    return Table(columns, rows, delimiter)


# ---- One row ------------------------------------------------------------------------------

def row_body(columns: list[Column], cells: list[str]) -> tuple[dict, list[str]]:
    """The row as an EndUserCreateDTO body, and the heading each `uids[i]` came from."""
    body, uid_columns = {}, []
    for column, cell in zip(columns, cells):
        if not cell.strip():
            continue
        if column.field:
            body[column.field] = cell
        else:
            body.setdefault("uids", []).append({"uidType": column.uid_type, "uid": cell})
            uid_columns.append(column.heading)
    return body, uid_columns


def _heading(key: str, columns: list[Column], uid_columns: list[str]) -> str:
    if key.startswith("uids["):
        index = int(key[5:key.index("]")])
        return uid_columns[index] if index < len(uid_columns) else "uids"
    return next((c.heading for c in columns if c.field == key), "" if key == "body" else key)


def _find(customer_id: int, data: dict) -> EndUser | None:
    ref = (data.get("customerRef") or "").strip()
    if ref:
        found = db.session.scalars(select(EndUser).where(EndUser.customer_id == customer_id,
                                                         EndUser.customer_ref == ref).order_by(EndUser.id).limit(1)).first()
        if found is not None:
            return found
    for uid in data.get("uids") or []:
        holder = db.session.scalars(select(EndUserUID).where(
            EndUserUID.customer_id == customer_id, EndUserUID.uid_type == uid["uidType"],
            EndUserUID.uid_lookup == lookup_key(uid["uid"]))).first()
        if holder is not None:
            return holder.end_user
    return None


def _changes_for(end_user: EndUser, body: dict, data: dict) -> dict:
    """What the row says about an existing person: its non-empty cells, and identifiers they lack."""
    have = {(u.uid_type, u.uid_lookup) for u in end_user.uids}
    changes = {name: data[name] for name in body if name in PROFILE_FIELDS}
    changes["uids"] = [{"uidType": u["uidType"], "uid": u["uid"], "isPrimary": False}
                       for u in data.get("uids") or [] if (u["uidType"], lookup_key(u["uid"])) not in have]
    return changes


def import_row(customer_id: int, actor: Actor, mode: str, body: dict) -> str:
    """Write one validated row: "created", "updated" or "unchanged" (Invalid/Conflict when refused)."""
    form, _ = validate_json(EndUserCreateForm, body=body)
    data = form.data
    end_user = _find(customer_id, data)
    if end_user is None:
        create_end_user(customer_id, actor, data)
        return "created"
    kind = kind_of(end_user)
    before = kind.snapshot(end_user)
    update_end_user(customer_id, actor, end_user, _changes_for(end_user, body, data))
    if kind.snapshot(end_user) == before:
        return "unchanged"
    if mode == "create":
        raise Conflict(f"This person exists already as {end_user.name or 'end user'} (endUserID {end_user.id}) "
                       "with other values; import with mode upsert to update them.")
    return "updated"


def _columns(context: JobContext) -> list[Column]:
    return [Column(**c) for c in context.params["columns"]]


def _refuse(context: JobContext, line: int, columns: list[Column], uid_columns: list[str], exc: Exception) -> None:
    context.count("failed")
    for key, messages in (exc.errors or {"body": [exc.title]}).items():
        for message in messages:
            context.row_error(line, _heading(key, columns, uid_columns), message)


def _one_row(context: JobContext, columns: list[Column], row: Valid) -> Outcome:
    """One row through the operations (the fallback when a batch's flush hits a constraint)."""
    try:
        with attempt():
            return Outcome(import_row(context.customer_id, context.actor, context.params["mode"], row.body))
    except (Invalid, Conflict) as exc:
        return Outcome(error=exc)


def _apply(context: JobContext, row: Row) -> None:
    _apply_rows(context, [row])


def _apply_rows(context: JobContext, rows: list[Row]) -> None:
    """A batch: every row through the form, then the valid ones matched and written together."""
    columns = _columns(context)
    parsed, too_long = [], []
    for row in rows:
        if len(row.cells) > len(columns):
            message = f"This line has {len(row.cells)} cells; the header has {len(columns)}."
            too_long.append((row.line, [], Invalid({"": [message]})))
        else:
            parsed.append((row.line, *row_body(columns, row.cells)))
    valid, refused = validated(parsed)
    refused += too_long
    outcomes = write_or_fall_back(context.customer_id, context.actor, context.params["mode"], valid,
                                  lambda row: _one_row(context, columns, row)) if valid else []
    results = [(line, uid_columns, Outcome(error=exc)) for line, uid_columns, exc in refused]
    results += [(row.line, row.uid_columns, outcome) for row, outcome in zip(valid, outcomes)]
    for line, uid_columns, outcome in sorted(results, key=lambda r: r[0]):
        if outcome.error is not None:
            _refuse(context, line, columns, uid_columns, outcome.error)
        else:
            context.count(outcome.outcome)


def _items(job: Job) -> list[Row]:
    return read_table(job.payload).rows


def _finish(context: JobContext) -> None:
    if context.dry_run:
        return
    counts = {name: context.tally.get(name, 0) for name in ("created", "updated", "unchanged", "failed")}
    record_event(context.customer_id, context.actor, "Import", "Job", context.job.id, job_label(context.job),
                 {name: {"from": None, "to": value} for name, value in counts.items()}, revertible=False)


register_kind("import", JobKind(items=_items, apply=_apply, apply_batch=_apply_rows, where=lambda row: {"line": row.line},
                                finish=_finish, batch_size=500))


# ---- Starting an import -------------------------------------------------------------------------

def preview(table: Table) -> dict:
    return {"columns": [c.heading for c in table.columns],
            "rows": [[row.line, *row.cells] for row in table.rows[:PREVIEW_ROWS]]}


def start_import(customer_id: int, actor: Actor, filename: str, raw: bytes, mode: str, dry_run: bool) -> Job:
    """Check the file as a whole (BadFile) and queue its rows as an import job."""
    table = read_table(raw)
    params = {"label": filename or "upload.csv", "mode": mode, "dryRun": dry_run, "delimiter": table.delimiter,
              "columns": [{"heading": c.heading, "field": c.field, "uid_type": c.uid_type} for c in table.columns],
              "preview": preview(table)}
    return queue_job(customer_id, actor, "import", len(table.rows), params, raw)
