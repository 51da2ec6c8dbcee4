"""The indexed query forms of the end-user list give what the plain queries give: search (FTS5 /
pg_trgm plus the exact identifier path), capped totals, every sort in both directions, pages by
number and by cursor; the FTS table and last_interaction_at follow every kind of write; and an
authenticated GET of one end user runs at most two statements."""
import random
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import delete, event, insert, select, text, update

from app import pagination
from app.channels.models import Channel
from app.end_users import queries
from app.end_users.models import EndUser, EndUserUID
from app.end_users.queries import tickets_of
from app.end_users.search_text import compose
from app.extensions import db
from app.tickets.models import Ticket

FIRST = ["Alpha", "bravo", "Charlie", "delta", None, "echo"]
CITIES = ["Antwerp", "ghent", None, "Brussels"]
SORTS = {  # sortBy -> (attribute, case-insensitive)
    "endUserID": ("id", False), "firstname": ("firstname", True), "lastname": ("lastname", True),
    "company": ("company", True), "city": ("city", True), "country": ("country", False),
    "customerType": ("customer_type", False), "customerRef": ("customer_ref", False),
    "lastInteractionDate": ("last_interaction_at", False),
}


@pytest.fixture
def people(app, tenant_a, tenant_b, in_app):
    """47 end users in tenant A written by a Core bulk insert (as the bench loads them), a few
    with NULLs in every sortable column, tickets for some; 3 in tenant B that must never show."""
    rng = random.Random(7)
    with in_app() as session:
        channel = Channel(customer_id=tenant_a.id, name="Mail", channel_type="Email")
        session.add(channel)
        session.flush()
        for tenant, count in ((tenant_a, 47), (tenant_b, 3)):
            for n in range(count):
                person = EndUser(customer_id=tenant.id, firstname=FIRST[n % 6], lastname=f"Name{rng.randint(0, 20):02d}",
                                 company=None if n % 5 == 0 else f"Co{n % 4}", city=CITIES[n % 4],
                                 country=None if n % 3 == 0 else ("BE", "NL")[n % 2],
                                 customer_type=("Lead", "Customer", "Partner")[n % 3],
                                 customer_ref=None if n % 4 == 0 else f"ERP-{n:04d}")
                values = {c.key: getattr(person, c.key) for c in EndUser.__table__.columns
                          if c.key not in ("id", "last_interaction_at", "created_at", "updated_at")}
                uids = [f"p{n}.x@example.com", f"+3247{n:07d}"] + ([f"chat-{n}"] if n % 2 else [])
                values["search_text"] = compose(person, uids)
                end_user_id = session.execute(insert(EndUser).values(**values).returning(EndUser.id)).scalar_one()
                session.execute(insert(EndUserUID), [
                    {"customer_id": tenant.id, "end_user_id": end_user_id, "uid_type": "Email", "uid": u,
                     "uid_lookup": u, "is_primary": i == 0} for i, u in enumerate(uids)])
                if tenant is tenant_a and n % 3 == 1:
                    session.add(Ticket(customer_id=tenant.id, channel_id=channel.id, uid=uids[0],
                                       last_message_date=datetime(2026, 1, 1) + timedelta(hours=rng.randint(0, 99))))
        session.commit()
    return tenant_a


def _rows(in_app, customer_id):
    with in_app() as session:
        users = session.scalars(select(EndUser).where(EndUser.customer_id == customer_id)).all()
        lookups = {}
        for uid in session.scalars(select(EndUserUID).where(EndUserUID.customer_id == customer_id)):
            lookups.setdefault(uid.end_user_id, set()).add(uid.uid_lookup)
        return [(u, lookups.get(u.id, set())) for u in users]


def _all_pages(client, query: dict, page_size=7):
    """Every item of a list by following nextCursor, and the same list by pageNumber."""
    by_cursor, cursor = [], None
    while True:
        args = {**query, "pageSize": page_size, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/EndUsers", query_string=args).get_json()
        by_cursor += [u["endUserID"] for u in body["items"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    by_number, number = [], 1
    while items := client.get("/api/EndUsers", query_string={**query, "pageSize": page_size,
                                                             "pageNumber": number}).get_json()["items"]:
        by_number += [u["endUserID"] for u in items]
        number += 1
    return by_cursor, by_number


def _plain_sort(rows, attribute, insensitive, descending):
    def key(value):
        return value.lower() if insensitive and value is not None else value
    present = [(key(getattr(u, attribute)), u.id) for u, _ in rows if getattr(u, attribute) is not None]
    missing = [u.id for u, _ in rows if getattr(u, attribute) is None]
    return [i for _, i in sorted(present, reverse=descending)] + sorted(missing, reverse=descending)


@pytest.mark.parametrize("sort_by", SORTS)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_every_sort_by_cursor_and_by_page_number_is_the_plain_order(api, people, in_app, sort_by, order):
    attribute, insensitive = SORTS[sort_by]
    expected = _plain_sort(_rows(in_app, people.id), attribute, insensitive, order == "desc")
    by_cursor, by_number = _all_pages(api(people.agent), {"sortBy": sort_by, "sortOrder": order})
    assert by_cursor == expected
    assert by_number == expected


def _plain_search(rows, term):
    """The documented meaning, in Python: every word in search_text or starting the customerRef;
    when every word is under three characters, every word starting a first name, last name,
    company, customerRef or identifier; or the whole term one of the identifiers or the customerRef."""
    words, phone = term.lower().split(), None
    from app.end_users import identifiers
    from app.end_users.models import lookup_key
    if len(words) > 1 and (phone := identifiers.parse_phone(term)):
        words = [phone.lower()]
    exact = identifiers.lookup_candidates(term)
    only_short = all(len(w) < 3 for w in words)
    found = []
    for person, lookups in rows:
        ref = (person.customer_ref or "").lower()
        if only_short:
            starts = [(v or "").lower() for v in (person.firstname, person.lastname, person.company)]
            by_words = all(any(v.startswith(w) for v in (*starts, ref, *lookups)) for w in words)
        else:
            by_words = all(any(w in person.search_text for w in {word, lookup_key(word)}) or ref.startswith(word)
                           for word in words)
        if by_words or lookups & exact or person.customer_ref == term.strip():
            found.append(person.id)
    return sorted(found)


@pytest.mark.parametrize("term", ["bravo", "BRAVO name1", "co2", "o", "erp-001", "ERP-0012", "p7.x@EXAMPLE.com",
                                  "+32470000011", "0470 00 00 11", "chat-1", "antwerp co1", "nobody", "50%", "x_",
                                  "na", "N", "e c", "p1", "+3", "Er", "name1 co", "co2 b", "alpha name0 co",
                                  "ch an", "chat-1 er", "%", "_"])
@pytest.mark.parametrize("path", ["index lookups", "walk of the sort order"])
def test_search_finds_what_the_plain_filter_finds(api, people, in_app, term, path, monkeypatch):
    """Both ways a search runs (queries.search_criterion): a rare term through the indexes, a common one
    checked row by row; forced here: on 47 rows the sample always picks the index lookups."""
    monkeypatch.setattr(queries, "walk_is_cheaper", lambda customer_id, words: path != "index lookups")
    expected = _plain_search(_rows(in_app, people.id), term)
    by_cursor, by_number = _all_pages(api(people.agent), {"search": term})
    assert sorted(by_cursor) == expected
    assert by_cursor == by_number
    body = api(people.agent).get("/api/EndUsers", query_string={"search": term}).get_json()
    assert (body["totalCount"], body["totalCountCapped"]) == (len(expected), False)


def test_totals_are_exact_up_to_the_cap_then_the_cap_with_the_flag(api, people, monkeypatch):
    client = api(people.agent)
    assert client.get("/api/EndUsers").get_json()["totalCount"] == 47
    monkeypatch.setattr(pagination, "TOTAL_CAP", 20)
    body = client.get("/api/EndUsers?pageSize=10").get_json()
    assert (body["totalCount"], body["totalCountCapped"], body["totalPages"]) == (20, True, 2)
    deep = client.get("/api/EndUsers?pageSize=10&pageNumber=5").get_json()  # past the capped total
    assert len(deep["items"]) == 7
    exact = client.get("/api/EndUsers?customerType=Partner").get_json()
    assert (exact["totalCount"], exact["totalCountCapped"]) == (15, False)


def test_the_capped_count_reads_no_column_of_the_rows(app, api, people):
    """Counting a subquery of whole rows made SQLite fetch 10,001 rows (search_text and all) per page."""
    counts = []

    def keep(_conn, _cursor, statement, *_args):
        if "count(" in statement.lower() and "AS slice_0" not in statement:  # not the sample of walk_is_cheaper
            counts.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        body = api(people.agent).get("/api/EndUsers", query_string={"search": "bravo"}).get_json()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert body["totalCount"] == 8 and len(counts) == 1
    assert "search_text AS" not in counts[0] and "firstname AS" not in counts[0], counts[0][:300]


@pytest.mark.parametrize("cursor", ["garbage", "eyJhIjoxfQ", "%00"])
def test_a_cursor_that_is_not_ours_is_a_400(api, people, cursor):
    response = api(people.agent).get(f"/api/EndUsers?cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.get_json()["errors"]


def test_a_cursor_of_another_sort_is_a_400(api, people):
    client = api(people.agent)
    cursor = client.get("/api/EndUsers?sortBy=lastname&pageSize=5").get_json()["nextCursor"]
    assert client.get(f"/api/EndUsers?sortBy=lastname&pageSize=5&cursor={cursor}").status_code == 200
    assert client.get(f"/api/EndUsers?sortBy=city&pageSize=5&cursor={cursor}").status_code == 400
    assert client.get(f"/api/EndUsers?sortBy=lastname&sortOrder=desc&cursor={cursor}").status_code == 400


def test_the_dashboard_next_link_carries_the_cursor(dashboard, people, in_app):
    import re
    agent = dashboard(people.agent)
    page = agent.get("/end-users/?pageSize=10").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)"[^>]*rel="next"', page)[1].replace("&amp;", "&")
    assert "cursor=" in link and "pageNumber=2" in link
    expected = _plain_sort(_rows(in_app, people.id), "lastname", True, False)
    with in_app() as session:
        second = [session.get(EndUser, i) for i in expected[10:20]]
    html = agent.get(link).get_data(as_text=True)
    assert "Page 2 of 5" in html
    assert html.index(second[0].lastname) < html.index(second[-1].lastname) or second[0].lastname == second[-1].lastname


# ---- The FTS5 table (SQLite) follows every write ------------------------------------------------

def _fts_ids(session, word):
    return sorted(session.scalars(text("SELECT rowid FROM end_user_fts WHERE end_user_fts MATCH :q"),
                                  {"q": f'"{word}"'}))


def test_the_fts_table_follows_orm_core_bulk_and_cascading_writes(app, api, people, in_app, tenant_b):
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect != "sqlite":
        pytest.skip("the FTS5 table is SQLite's; PostgreSQL searches end_user.search_text itself")
    client = api(people.agent)
    created = client.post("/api/EndUsers", json={"firstname": "Quentin", "lastname": "Zyxwv",
                                                 "uids": [{"uidType": "Email", "uid": "qz@example.com"}]}).get_json()
    ident = created["endUserID"]
    with in_app() as session:
        assert _fts_ids(session, "zyxwv") == [ident]
        session.execute(update(EndUser).where(EndUser.id == ident).values(search_text="renamed vwxyz"))  # Core
        session.execute(text("UPDATE end_user SET search_text = search_text || ' bulkmark' WHERE customer_id = :c"),
                        {"c": tenant_b.id})
        session.commit()
        assert _fts_ids(session, "zyxwv") == [] and _fts_ids(session, "vwxyz") == [ident]
        assert len(_fts_ids(session, "bulkmark")) == 3
    assert client.put(f"/api/EndUsers/{ident}", json={"lastname": "Ormchanged"}).status_code == 204
    with in_app() as session:
        assert _fts_ids(session, "ormchanged") == [ident]
        session.execute(delete(EndUser).where(EndUser.id == ident))
        session.commit()
        assert _fts_ids(session, "ormchanged") == []
    client_b = api(tenant_b.agent)
    assert client_b.delete(f"/api/EndUsers/{client_b.get('/api/EndUsers').get_json()['items'][0]['endUserID']}").status_code == 204
    from app.customers.models import Customer
    with in_app() as session:
        session.execute(delete(Customer).where(Customer.id == tenant_b.id))  # cascades to end_user
        session.commit()
        assert _fts_ids(session, "bulkmark") == []
        session.execute(text("INSERT INTO end_user_fts(end_user_fts, rank) VALUES ('integrity-check', 1)"))


# ---- last_interaction_at follows tickets, identifiers and customerRef --------------------------

def _plain_latest(session, customer_id):
    users = session.scalars(select(EndUser).where(EndUser.customer_id == customer_id)).all()
    return {u.id: session.scalar(select(db.func.max(Ticket.last_message_date)).where(tickets_of(u))) for u in users}


def test_last_interaction_follows_every_write(api, people, in_app):
    def check():
        with in_app() as session:
            stored = dict(session.execute(select(EndUser.id, EndUser.last_interaction_at)
                                          .where(EndUser.customer_id == people.id)).all())
            assert stored == _plain_latest(session, people.id)
            return stored

    before = check()
    assert sum(v is not None for v in before.values()) == 16
    with in_app() as session:
        channel = session.scalar(select(Channel.id).where(Channel.customer_id == people.id))
        session.add(Ticket(customer_id=people.id, channel_id=channel, customer_ref="REF-NEW",
                           uid="new.one@example.com", last_message_date=datetime(2027, 1, 1)))
        session.commit()
    check()
    with in_app() as session:
        session.execute(update(Ticket).where(Ticket.customer_id == people.id, Ticket.uid_lookup.like("p1.%"))
                        .values(last_message_date=datetime(2028, 1, 1)))
        session.commit()
    check()
    client = api(people.agent)
    target = next(i for i, v in check().items() if v is None)
    assert client.post("/api/EndUserUIDs/assign", json={"endUserID": target, "uid": "new.one@example.com"}).status_code == 201
    assert check()[target] == datetime(2027, 1, 1)
    assert client.put(f"/api/EndUsers/{target}", json={"customerRef": "REF-NEW"}).status_code == 204
    with in_app() as session:
        session.execute(delete(EndUserUID).where(EndUserUID.uid_lookup == "new.one@example.com"))
        session.execute(delete(Ticket).where(Ticket.customer_id == people.id, Ticket.uid_lookup.like("p4.%")))
        session.commit()
    check()
    assert client.get(f"/api/EndUsers/{target}").get_json()["lastInteractionDate"] == "2027-01-01T00:00:00Z"


# ---- The hot path -------------------------------------------------------------------------------

@pytest.mark.parametrize("lookup", ["by id", "byUid"])
def test_reading_one_end_user_runs_at_most_two_statements(app, api, people, in_app, lookup):
    """The principal behind the token, then the person with their identifiers."""
    client = api(people.agent)
    with in_app() as session:
        person = session.scalars(select(EndUser).where(EndUser.customer_id == people.id,
                                                       EndUser.last_interaction_at.is_not(None))).first()
        ident, uid = person.id, person.uids[0].uid.upper()
    path = f"/api/EndUsers/{ident}" if lookup == "by id" else f"/api/EndUsers/byUid?uid={quote(uid)}"
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    body = response.get_json() if lookup == "by id" else next(b for b in response.get_json() if b["endUserID"] == ident)
    assert len(body["uids"]) >= 2 and body["lastInteractionDate"]
    assert len(statements) <= 2, [s[:80] for s in statements]


@pytest.mark.parametrize("path", ["index lookups", "walk of the sort order"])
def test_a_number_is_found_whole_though_the_index_is_asked_for_its_tail(api, tenant_a, in_app, monkeypatch, path):
    """The trigram index is asked for a long number's last 7 digits only (their first ones are in every row);
    a number that shares those digits but not the rest must not be found."""
    monkeypatch.setattr(queries, "walk_is_cheaper", lambda customer_id, words: path != "index lookups")
    with in_app() as session:
        for name, phone in (("Belgian", "+32470140891"), ("Dutch", "+31610140891"), ("Free text", None)):
            person = EndUser(customer_id=tenant_a.id, lastname=name,
                             other_contact_details=None if phone else "call 0032470140891")
            if phone:
                person.uids.append(EndUserUID(customer_id=tenant_a.id, uid_type="Phone", uid=phone, is_primary=True))
            session.add(person)
        session.commit()
    client = api(tenant_a.agent)

    def found(term):
        return sorted(u["lastname"] for u in client.get("/api/EndUsers", query_string={"search": term}).get_json()["items"])

    assert found("+32470140891") == ["Belgian"]
    assert found("0470 14 08 91") == ["Belgian"]
    assert found("0140891") == ["Belgian", "Dutch", "Free text"]
    assert found("0032470140891") == ["Belgian", "Free text"]  # Belgian: the same number, dialled from abroad
