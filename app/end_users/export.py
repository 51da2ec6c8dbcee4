"""GET /api/EndUsers/export: the filtered list as CSV, streamed row by row.

The same filters and sort as the list (search, customerType, ids, sortBy, sortOrder; paging is
ignored: every matching row). Rows come from the database in batches (yield_per: a server-side
cursor on PostgreSQL) and leave as they are written, so memory stays flat for any size.
Cells are escaped against formula injection and the file written by app/csv_out.py.
"""
from flask import Blueprint, Response, request, stream_with_context

from app.auth.policies import requires
from app.csv_out import csv_chunks, safe_cell
from app.end_users import queries
from app.end_users.forms import EndUserListQuery
from app.end_users.models import EndUser
from app.end_users.serializers import PROFILE_FIELDS, sorted_uids
from app.extensions import db
from app.jsonforms import query_parameters
from app.openapi import documented, page_params
from app.pagination import page_query
from app.request_scope import current_customer_id

bp = Blueprint("api_end_user_export", __name__, url_prefix="/api")

COLUMNS = ("endUserID", *PROFILE_FIELDS, "email", "phone", "whatsapp", "uids")
TYPE_COLUMNS = {"Email": "email", "Phone": "phone", "WhatsApp": "whatsapp"}
BATCH = 1000


def csv_row(end_user: EndUser) -> list[str]:
    by_column, others = {column: [] for column in TYPE_COLUMNS.values()}, []
    for uid in sorted_uids(end_user):  # the primary first
        column = TYPE_COLUMNS.get(uid.uid_type)
        if column:
            by_column[column].append(uid.uid)
        else:
            others.append(f"{uid.uid_type}:{uid.uid}")
    values = [end_user.id, *(getattr(end_user, attr) for attr in PROFILE_FIELDS.values()),
              *("; ".join(by_column[c]) for c in TYPE_COLUMNS.values()), "; ".join(others)]
    return [safe_cell(v) for v in values]


def _rows(stmt):
    """A generator function, so the query (a server-side cursor on PostgreSQL) opens only after the
    header has left: stream_with_context runs the stream to its first chunk inside the view, and the
    view's unit of work ends before the rest streams, which would close a cursor opened earlier."""
    for end_user in db.session.scalars(stmt.execution_options(yield_per=BATCH)):
        yield csv_row(end_user)


def csv_lines(stmt):
    yield from csv_chunks(COLUMNS, _rows(stmt), bom=True, chunk_bytes=0)  # each row leaves as it is written


def export_statement(customer_id: int, args):
    filters = queries.list_filters(args)
    sortable = queries.sortable_columns()
    page = page_query(sortable, "endUserID")
    column = sortable[page.sort_by]
    ordering = (column.desc() if page.descending else column.asc()).nulls_last()
    tiebreak = EndUser.id.desc() if page.descending else EndUser.id.asc()
    return queries.end_user_list(customer_id, filters).order_by(ordering, tiebreak)


@bp.get("/EndUsers/export")
@documented(
    summary="The end users matching the list's filters and sort, as CSV (text/csv, streamed; identifiers in email, "
            "phone, whatsapp and uids columns; formula-like values prefixed with an apostrophe)",
    query=page_params(queries.sortable_columns(), "endUserID", **query_parameters(EndUserListQuery)),
    responses={200: ("CSV, one end user per line, a header first", {"type": "string"})}, media={200: "text/csv"},
)
@requires("TicketAccess")
def export():
    stmt = export_statement(current_customer_id(), request.args)
    return Response(stream_with_context(csv_lines(stmt)), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="end-users.csv"', "Cache-Control": "no-store"})
