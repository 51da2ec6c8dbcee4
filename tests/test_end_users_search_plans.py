"""Every kind of search term is answered through indexes on both databases: EXPLAIN (QUERY PLAN)
of each statement an API search runs shows no scan of end_user or end_user_uid, neither a full
one nor a walk over the tenant's rows (an index read on customer_id alone).

The plans are taken over 20,000 end users with statistics (ANALYZE) and terms that select a few
of them, as real searches do; on a few dozen rows a full scan is the cheapest plan and proves
nothing. PostgreSQL still finds a sequential read of 20,000 rows cheaper than its trigram index,
so its plans are asked for with enable_seqscan off: which index serves each part (a part that no
index can serve still shows a Seq Scan, and a walk over the tenant through any index counts as a
scan). The one bounded read allowed is the sample a search takes to see whether its words are
common (queries.walk_is_cheaper: 200 rows in slices after the tenant's first and last id). A
common word is the other case: its page walks the sort index and checks each row, and stops at
the page (test below).
test_end_users_scale.py checks the results against the plain queries."""
import re

import pytest
from sqlalchemy import event, insert, text

from app import pagination
from app.end_users.models import EndUser, EndUserUID
from app.extensions import db

ROWS = 20_000
TERMS = {
    "one word": "name1234",
    "words that are all long": "ann name123",
    "a long and a short word": "name123 an",
    "a lone two-character word": "qu",
    "a lone one-character word": "q",
    "short words only": "q z",
    "a phone number with spaces": "0470 00 12 34",
    "an e-mail address": "p77.x@example.com",
    "a customerRef": "ERP-00123",
    "a word holding LIKE wildcards": "50%_x",
}


@pytest.fixture
def crowd(app, tenant_a, in_app):
    with in_app() as session:
        people = []
        for n in range(ROWS):  # a few last names start with q, a few companies with z: terms that select
            first, last = ("Ann", "Bob", "Cy", "Dee")[n % 4], f"Quist{n}" if n % 500 == 0 else f"Name{n}"
            company = f"Zeta{n % 7}" if n % 700 == 0 else f"Co{n % 97}"
            people.append({"customer_id": tenant_a.id, "firstname": first, "lastname": last, "company": company,
                           "customer_type": "Lead", "customer_ref": f"ERP-{n:05d}", "search_text": "\n".join(
                               (first.lower(), last.lower(), company.lower(), f"p{n}.x@example.com", f"+3247{n:07d}"))})
        ids = session.scalars(insert(EndUser).returning(EndUser.id), people).all()
        session.execute(insert(EndUserUID), [
            {"customer_id": tenant_a.id, "end_user_id": ident, "uid_type": kind, "uid": uid, "uid_lookup": uid,
             "is_primary": kind == "Email"}
            for n, ident in enumerate(ids)
            for kind, uid in (("Email", f"p{n}.x@example.com"), ("Phone", f"+3247{n:07d}"))])
        session.commit()
        if db.engine.dialect.name == "sqlite":
            session.execute(text("ANALYZE"))
            session.commit()
            # A SQLite connection reads the statistics when it opens: pooled ones opened before (the
            # live server's, after a race test) would plan without them. Fresh ones, as after a restart.
            db.engine.dispose()
        else:
            # VACUUM as autovacuum would soon: it also empties the trigram GIN index's pending list of
            # just-inserted rows, which the planner otherwise prices as a slow index (seen in CI).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE end_user, end_user_uid"))
    return tenant_a


def _statements_of(app, client, query: dict) -> list[tuple[str, object]]:
    seen = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        if statement.lstrip().upper().startswith("SELECT") and re.search(r"\bend_user(_uid)?\b", statement) \
                and not _is_the_sample(statement, parameters):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        response = client.get("/api/EndUsers", query_string=query)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert response.status_code == 200
    return seen


def _is_the_sample(statement: str, _parameters) -> bool:
    """queries._ID_RANGE (the first and the last of the tenant's ids) and _SAMPLE (slices after them)."""
    return "SELECT (SELECT min(id) FROM end_user" in statement or "AS slice_0" in statement


def _sqlite_scans(plan: list[str]) -> list[str]:
    """SCAN of a table, or SEARCH through an index on customer_id alone (the tenant's every row)."""
    bad = []
    for line in plan:
        found = re.search(r"\b(SCAN|SEARCH) (end_user|end_user_uid)\b(?!_)(.*)", line)
        if found and (found[1] == "SCAN" or re.search(r"\(customer_id=\?\)$", found[3].strip())):
            bad.append(line)
    return bad


def _postgresql_scans(plan: list[str]) -> list[str]:
    """Seq Scan, an index read without a condition, one whose only condition is the tenant, or the
    trigram index asked for a pattern too short to give it a trigram."""
    bad = []
    for i, line in enumerate(plan):
        if re.search(r"Seq Scan on (end_user|end_user_uid)\b", line):
            bad.append(line)
        elif re.search(r"(Index Scan|Index Only Scan|Bitmap Index Scan) (using|on) \w+", line):
            details = []
            for following in plan[i + 1:]:
                if "->" in following:
                    break
                details.append(following.strip())
            cond = next((d for d in details if d.startswith("Index Cond:")), None)
            tenant_only = cond and re.fullmatch(r"Index Cond: \(\(?(\w+\.)?customer_id = [^()]+\)?\)", cond)
            # pg_trgm takes no trigram from a pattern under three characters: it reads the whole index
            short_pattern = cond and "trgm" in line and re.search(r"~~ '%[^%']{1,2}%'", cond)
            if cond is None or tenant_only or short_pattern:
                bad.append(f"{line.strip()} [{cond}]")
    return bad


def _explain(app, statements) -> list[tuple[str, list[str]]]:
    plans = []
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            sqlite = db.engine.dialect.name == "sqlite"
            if not sqlite:  # is there an index for each part, rather than is a small table cheaper to read
                cursor.execute("SET enable_seqscan = off")
            for statement, parameters in statements:
                cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, parameters)
                plans.append((statement, [row[-1] if sqlite else row[0] for row in cursor.fetchall()]))
        finally:
            raw.close()
    return plans


def test_no_search_term_scans_end_users(app, api, crowd):
    """One test over every kind of term and two sorts: the 20,000 rows are loaded once."""
    client, found = api(crowd.agent), []
    with app.app_context():
        find_scans = _sqlite_scans if db.engine.dialect.name == "sqlite" else _postgresql_scans
    for kind, term in TERMS.items():
        for sort_by in ("lastname", "endUserID"):
            statements = _statements_of(app, client, {"search": term, "sortBy": sort_by})
            assert statements, kind
            found += [f"{kind} ({term!r}, sortBy={sort_by}): " + " | ".join(find_scans(plan))
                      + f"\n{statement[:400]}\n" + "\n".join(plan)
                      for statement, plan in _explain(app, statements) if find_scans(plan)]
    assert found == [], "\n\n".join(found)


def test_a_common_word_walks_the_sort_order_and_stops_at_the_page(app, api, crowd, monkeypatch):
    """`ann` is a quarter of the rows: gathering every match first (the index path) would read 5,000 of
    them; walking the lastname index and checking each row stops after the page's first few dozen. With
    the total capped at 1,000 (10,000 in the app, for a million rows) 20,000 rows are enough for the
    sample to choose the walk."""
    monkeypatch.setattr(pagination, "TOTAL_CAP", 1000)
    statements = _statements_of(app, api(crowd.agent), {"search": "ann", "sortBy": "lastname"})
    page = next(s for s in statements if re.search(r"ORDER BY lower\(end_user\.lastname\)", s[0]))
    [(_statement, plan)] = _explain(app, [page])
    text_ = "\n".join(plan)
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        assert "ix_end_user_sort_lastname" in text_ and "TEMP B-TREE FOR ORDER BY" not in text_ and "end_user_fts" not in text_, text_
    else:
        assert plan[0].startswith("Limit") and "Index Scan using ix_end_user_sort_lastname" in plan[1], text_
        assert "trgm" not in text_, text_
    body = api(crowd.agent).get("/api/EndUsers", query_string={"search": "ann", "sortBy": "lastname"}).get_json()
    assert (body["totalCount"], body["totalCountCapped"]) == (1000, True)
    assert all(item["firstname"] == "Ann" for item in body["items"]) and len(body["items"]) == 10
