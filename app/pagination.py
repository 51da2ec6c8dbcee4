"""PaginatedResult: page bounds, a per-endpoint sort whitelist and the shared JSON shape."""
import math
from dataclasses import dataclass

from flask import request
from sqlalchemy import func, select

from app.extensions import db
from app.domain_errors import Invalid

MAX_PAGE_SIZE = 100


@dataclass
class PageQuery:
    page_number: int
    page_size: int
    sort_by: str  # the whitelist key, as the endpoint spells it
    descending: bool


def _int_arg(name: str, default: int, low: int, high: int | None, errors: dict) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = [f"{name} must be a whole number."]
        return default
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        errors[name] = [f"{name} must be {bound}."]
    return value


def page_query(sortable: dict, default_sort: str, default_order: str = "asc", page_size: int = 10) -> PageQuery:
    """Read pageNumber, pageSize, sortBy and sortOrder; 400 with field errors when out of bounds."""
    errors: dict = {}
    number = _int_arg("pageNumber", 1, 1, None, errors)
    size = _int_arg("pageSize", page_size, 1, MAX_PAGE_SIZE, errors)
    sort_by = default_sort
    raw_sort = (request.args.get("sortBy") or "").strip()
    if raw_sort:
        match = next((key for key in sortable if key.lower() == raw_sort.lower()), None)
        if match is None:
            errors["sortBy"] = [f"sortBy must be one of: {', '.join(sortable)}."]
        else:
            sort_by = match
    order = (request.args.get("sortOrder") or default_order).strip().lower()
    if order not in ("asc", "desc"):
        errors["sortOrder"] = ["sortOrder must be asc or desc."]
    if errors:
        raise Invalid(errors)
    return PageQuery(number, size, sort_by, order == "desc")


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
