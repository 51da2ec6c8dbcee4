"""PaginatedResult: page bounds, a per-endpoint sort whitelist, keyset cursors and the shared JSON shape.

Fast by construction at a million rows:
- the total is counted up to TOTAL_CAP + 1 rows and reported as TOTAL_CAP with
  totalCountCapped: true beyond that, never a COUNT(*) over the whole tenant;
- a nullable sort key orders by `(key IS NULL), key, id` (every key ascending or every key and
  id descending after the first), which puts NULLs last in both directions with one expression
  that SQLite and PostgreSQL both index (the end-user sort indexes of migration c5d8e2a1f4b9);
- `cursor` (the `nextCursor` of the previous page, signed) continues after the last row shown
  with a row-value comparison on (key, id): an index range, however deep the page.
"""
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, bindparam, false, func, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from wtforms import Form, StringField
from wtforms.validators import Length, NumberRange, Optional

from app.domain_errors import Invalid
from app.extensions import db
from app.jsonforms import ChoiceField, WholeNumberField, validate_query

MAX_PAGE_SIZE = 100
TOTAL_CAP = 10_000
MAX_OFFSET = 2**53  # a pageNumber beyond this is past the end of any list (and would overflow an OFFSET)
BAD_CURSOR = "cursor is not a nextCursor of this list and sort; start again without it."


@dataclass
class PageQuery:
    page_number: int
    page_size: int
    sort_by: str  # the whitelist key, as the endpoint spells it
    descending: bool
    after: tuple | None = None  # (sort key value, tie-break value) of the last row of the previous page
    next_cursor: str | None = None  # set by paginate() when another page follows


class Total(int):
    """The count of a list: exact, or TOTAL_CAP when there are more (capped=True)."""

    capped: bool = False

    @classmethod
    def of(cls, counted: int) -> "Total":
        total = cls(min(counted, TOTAL_CAP))
        total.capped = counted > TOTAL_CAP
        return total


@lru_cache(maxsize=64)
def page_form(sort_keys: tuple[str, ...], default_sort: str, page_size: int = 10) -> type:
    """The paging parameters of one list as a query form: validated and published from here."""

    class PageForm(Form):
        pageNumber = WholeNumberField(
            "pageNumber", [Optional(), NumberRange(min=1, message="pageNumber must be at least 1.")], default=1,
            description="Page number, from 1. With a cursor it is only reported back.")
        pageSize = WholeNumberField(
            "pageSize", [Optional(), NumberRange(min=1, max=MAX_PAGE_SIZE,
                                                 message=f"pageSize must be between 1 and {MAX_PAGE_SIZE}.")],
            default=page_size, description=f"Items per page, 1..{MAX_PAGE_SIZE}.")
        sortBy = ChoiceField("sortBy", values=sort_keys, default=default_sort,
                             description="Field to sort by (matched case-insensitively).")
        sortOrder = ChoiceField("sortOrder", values=("asc", "desc"), description="asc or desc.")
        cursor = StringField("cursor", [Optional(), Length(max=1000)],
                             description="The nextCursor of the previous page (same sortBy and sortOrder): "
                                         "the page after it, fast at any depth.")

    return PageForm


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="page-cursor")


def _encode_value(value):
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def _decode_value(value):
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return datetime.fromisoformat(value["t"])
    if value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    raise ValueError(value)


def encode_cursor(sort_by: str, descending: bool, key, tiebreak) -> str:
    return _serializer().dumps([sort_by, descending, _encode_value(key), tiebreak])


def decode_cursor(cursor: str, sort_by: str, descending: bool) -> tuple:
    try:
        sort, desc, key, tiebreak = _serializer().loads(cursor)
        if sort != sort_by or desc is not descending or not isinstance(tiebreak, int):
            raise ValueError(cursor)
        return _decode_value(key), tiebreak
    except (BadSignature, ValueError, TypeError):
        raise Invalid({"cursor": [BAD_CURSOR]}) from None


def page_query(sortable: dict, default_sort: str, default_order: str = "asc", page_size: int = 10) -> PageQuery:
    """Read pageNumber, pageSize, sortBy, sortOrder and cursor; 400 with field errors when malformed."""
    form = validate_query(page_form(tuple(sortable), default_sort, page_size), request.args)
    query = PageQuery(form.pageNumber.data or 1, form.pageSize.data or page_size, form.sortBy.data or default_sort,
                      (form.sortOrder.data or default_order) == "desc")
    if form.cursor.data:
        query.after = decode_cursor(form.cursor.data, query.sort_by, query.descending)
    return query


def is_nullable(column) -> bool:
    """Whether a sort expression can be NULL: a column as declared, lower(column) as its column."""
    column = getattr(column, "expression", column)
    if isinstance(column, FunctionElement):
        return any(is_nullable(c) for c in column.clauses)
    return bool(getattr(column, "nullable", True))


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def ordering(column, tiebreak, descending: bool, pinned_nulls: bool = False) -> list:
    """The ORDER BY of a page: the key with NULLs last, then the tie-break, in the form each engine
    has an index for. PostgreSQL: `key ASC|DESC NULLS LAST, id` (its indexes carry NULLS LAST).
    SQLite keeps NULLs smallest, so DESC already puts them last (an ascending index read backwards)
    and ASC orders by `(key IS NULL), key, id` (an index on that expression); `pinned_nulls`: the
    WHERE fixes `key IS NULL`, so that term is left out and the index order serves alone."""
    keys = [column.desc(), tiebreak.desc()] if descending else [column.asc(), tiebreak.asc()]
    if not _sqlite():
        return [keys[0].nulls_last(), keys[1]]
    if descending or pinned_nulls or not is_nullable(column):
        return keys
    return [column.is_(None).asc(), *keys]


def _typed(value, column):
    return bindparam(None, value, type_=column.type) if isinstance(column, ColumnElement) else value


def _beyond(column, tiebreak, after: tuple, descending: bool) -> list:
    """The WHERE of each part of the list after `after`, in order (NULL keys form the last part).
    `key >= k AND (key > k OR id > i)` rather than a row value: both engines turn the first term
    into an index range on an expression index."""
    key, last = after
    last_bound = _typed(last, tiebreak)
    next_id = tiebreak < last_bound if descending else tiebreak > last_bound
    pin = nullable = is_nullable(column)
    if _sqlite() and not descending and nullable:  # pin the `key IS NULL` column of the ascending index
        is_null, not_null = column.is_(None) == true(), column.is_(None) == false()
    else:
        is_null, not_null, pin = column.is_(None), None, False
    if key is None:
        return [and_(is_null, next_id)]
    bound = _typed(key, column)
    later = (and_(column <= bound, or_(column < bound, next_id)) if descending
             else and_(column >= bound, or_(column > bound, next_id)))
    if not nullable:
        return [later]
    return [and_(not_null, later) if pin else later, is_null]


def count_capped(stmt) -> Total:
    """The subquery names one constant, not the model's columns: SQLite reads every column a
    subquery names, so counting `SELECT end_user.*` fetched 10,001 table rows where the same count
    over a constant is a walk of the (customer_id) index, 6-10x faster. DISTINCT or GROUP BY
    counts depend on the columns, so those keep them."""
    stmt = stmt.order_by(None)
    if not stmt._distinct and not stmt._group_by_clauses:  # no public accessor for either
        stmt = stmt.with_only_columns(literal(1), maintain_column_froms=True)
    limited = stmt.limit(TOTAL_CAP + 1).subquery()
    return Total.of(db.session.scalar(select(func.count()).select_from(limited)))


def paginate(stmt, query: PageQuery, sortable: dict, tiebreak) -> tuple[list, Total]:
    """Run `stmt` for one page, ordered by the chosen column and then `tiebreak`; return rows and
    the (capped) total. Sets query.next_cursor when another page follows."""
    total = count_capped(stmt)
    offset = 0 if query.after else (query.page_number - 1) * query.page_size
    if offset >= total and not total.capped or offset > MAX_OFFSET:  # past the end; no OFFSET overflow
        return [], total
    column = sortable[query.sort_by]
    columns = stmt.add_columns(column, tiebreak)
    if not query.after:
        parts = [columns.order_by(*ordering(column, tiebreak, query.descending)).offset(offset)]
    else:
        parts = [columns.where(where).order_by(*ordering(column, tiebreak, query.descending, pinned_nulls=True))
                 for where in _beyond(column, tiebreak, query.after, query.descending)]
    found = []
    for part in parts:
        wanted = query.page_size + 1 - len(found)
        found.extend(db.session.execute(part.limit(wanted)).unique().all())
        if len(found) > query.page_size:
            break
    more, found = len(found) > query.page_size, found[:query.page_size]
    if more:
        _, key, last = found[-1]
        query.next_cursor = encode_cursor(query.sort_by, query.descending, key, last)
    return [row[0] for row in found], total


def paginated_result(items: list, total: int, query: PageQuery) -> dict:
    return {
        "items": items,
        "totalCount": int(total),
        "totalCountCapped": bool(getattr(total, "capped", False)),
        "totalPages": math.ceil(total / query.page_size) if total else 0,
        "pageNumber": query.page_number,
        "pageSize": query.page_size,
        "nextCursor": query.next_cursor,
    }


def page_window(current: int, last: int, capped: bool, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: the first, `around` on each side of the current one and the
    last; None where numbers are left out. A capped list has no known last page: it ends in None."""
    upper = max(last, current) if capped else last
    current = min(current, upper)
    shown = {1, *range(max(1, current - around), min(upper, current + around) + 1)}
    if not capped and last:
        shown.add(last)
    numbers, previous = [], 0
    for number in sorted(n for n in shown if n <= max(upper, 1)):
        if number > previous + 1:
            numbers.append(None)
        numbers.append(number)
        previous = number
    if capped:
        numbers.append(None)
    return numbers


def jump_fields(url: str, page_param: str = "pageNumber") -> tuple[str, list[tuple[str, str]]]:
    """The path of a page URL and its query parameters but the page and the cursor: the hidden
    fields of a pager's "Go to page" form, which must keep every filter."""
    parts = urlsplit(url)
    return parts.path, [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in (page_param, "cursor")]
