"""PaginatedResult: page bounds, a per-endpoint sort whitelist and the shared JSON shape."""
import math
from dataclasses import dataclass
from functools import lru_cache

from flask import request
from sqlalchemy import func, select
from wtforms import Form
from wtforms.validators import NumberRange, Optional

from app.extensions import db
from app.jsonforms import ChoiceField, WholeNumberField, validate_query

MAX_PAGE_SIZE = 100


@dataclass
class PageQuery:
    page_number: int
    page_size: int
    sort_by: str  # the whitelist key, as the endpoint spells it
    descending: bool


@lru_cache(maxsize=64)
def page_form(sort_keys: tuple[str, ...], default_sort: str, page_size: int = 10) -> type:
    """The paging parameters of one list as a query form: validated and published from here."""

    class PageForm(Form):
        pageNumber = WholeNumberField(
            "pageNumber", [Optional(), NumberRange(min=1, message="pageNumber must be at least 1.")], default=1,
            description="Page number, from 1.")
        pageSize = WholeNumberField(
            "pageSize", [Optional(), NumberRange(min=1, max=MAX_PAGE_SIZE,
                                                 message=f"pageSize must be between 1 and {MAX_PAGE_SIZE}.")],
            default=page_size, description=f"Items per page, 1..{MAX_PAGE_SIZE}.")
        sortBy = ChoiceField("sortBy", values=sort_keys, default=default_sort,
                             description="Field to sort by (matched case-insensitively).")
        sortOrder = ChoiceField("sortOrder", values=("asc", "desc"), description="asc or desc.")

    return PageForm


def page_query(sortable: dict, default_sort: str, default_order: str = "asc", page_size: int = 10) -> PageQuery:
    """Read pageNumber, pageSize, sortBy and sortOrder; 400 with field errors when out of bounds."""
    form = validate_query(page_form(tuple(sortable), default_sort, page_size), request.args)
    return PageQuery(form.pageNumber.data or 1, form.pageSize.data or page_size, form.sortBy.data or default_sort,
                     (form.sortOrder.data or default_order) == "desc")


def paginate(stmt, query: PageQuery, sortable: dict, tiebreak) -> tuple[list, int]:
    """Run `stmt` for one page, ordered by the chosen column and then `tiebreak`; return rows and total."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    offset = (query.page_number - 1) * query.page_size
    if offset >= total:  # past the end: nothing to fetch (and no OFFSET beyond the databases' integers)
        return [], total
    column = sortable[query.sort_by]
    ordering = [(column.desc() if query.descending else column.asc()).nulls_last()]
    ordering.append(tiebreak.desc() if query.descending else tiebreak.asc())
    rows = db.session.scalars(
        stmt.order_by(*ordering)
        .limit(query.page_size)
        .offset(offset)
    ).unique().all()
    return rows, total


def paginated_result(items: list, total: int, query: PageQuery) -> dict:
    return {
        "items": items,
        "totalCount": total,
        "totalPages": math.ceil(total / query.page_size) if total else 0,
        "pageNumber": query.page_number,
        "pageSize": query.page_size,
    }
