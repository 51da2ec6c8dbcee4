"""Reads for end users: list and search, identifier lookup, ticket history and insights.

Every statement starts from `scoped(...)` or names the customer it is given explicitly, and uses
only forms that SQLite and PostgreSQL both run (LIKE on lower(...), correlated subqueries).
"""
import functools
import math
import re
from dataclasses import dataclass, field

from sqlalchemy import (
    and_,
    bindparam,
    case,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    union,
)
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.types import Text

from app import pagination
from app.channels.models import Channel
from app.end_users import identifiers
from app.end_users.forms import EndUserListQuery, TicketHistoryQuery
from app.end_users.models import EndUser, EndUserUID, lookup_key
from app.extensions import db
from app.jsonforms import validate_query
from app.tenancy import in_id_range, scoped
from app.tickets.models import TICKET_STATUSES, Ticket, TicketMessage, ticket_topic
from app.topics.models import Topic

# ---- Which tickets belong to an end user ------------------------------------------------

def _uid_lookups(end_user_id, customer_id):
    # correlate_except: when end_user_id is EndUser.id, it refers to the outermost query's row
    return select(EndUserUID.uid_lookup).where(
        EndUserUID.customer_id == customer_id, EndUserUID.end_user_id == end_user_id
    ).correlate_except(EndUserUID)


def _extra_refs(end_user_id, customer_id):
    # a merged-in person's customerRef, kept as a CustomerRef identifier (app/end_users/merging.py)
    return select(EndUserUID.uid).where(
        EndUserUID.customer_id == customer_id, EndUserUID.end_user_id == end_user_id,
        EndUserUID.uid_type == "CustomerRef",
    ).correlate_except(EndUserUID)


def _tickets_of(end_user_id, customer_id, customer_ref):
    """Tickets matched by any UID of the end user, or by its customerRef (or a CustomerRef UID)."""
    by_uid = Ticket.uid_lookup.in_(_uid_lookups(end_user_id, customer_id))
    if isinstance(customer_ref, str) or customer_ref is None:
        by_ref = Ticket.customer_ref == customer_ref if customer_ref else false()
    else:  # a correlated column: NULL equals nothing, so an end user without a ref matches by UID only
        by_ref = Ticket.customer_ref == customer_ref
    by_merged_ref = Ticket.customer_ref.in_(_extra_refs(end_user_id, customer_id))
    return and_(Ticket.customer_id == customer_id, or_(by_uid, by_ref, by_merged_ref))


def tickets_of(end_user: EndUser):
    return _tickets_of(end_user.id, end_user.customer_id, end_user.customer_ref)


def last_interaction_column():
    """The lastInteractionDate: latest ticket message of the end user, kept on the row by triggers
    (migration c5d8e2a1f4b9) instead of a walk over the tenant's tickets per read."""
    return EndUser.last_interaction_at


def last_interactions(customer_id: int, ids: list[int]) -> dict[int, object]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(EndUser.id, EndUser.last_interaction_at).where(
            EndUser.customer_id == customer_id, EndUser.id.in_(ids)
        )
    )
    return dict(rows.all())


# ---- The end-user list ------------------------------------------------------------------

def sortable_columns() -> dict:
    return {
        "endUserID": EndUser.id,
        "firstname": func.lower(EndUser.firstname),
        "lastname": func.lower(EndUser.lastname),
        "company": func.lower(EndUser.company),
        "city": func.lower(EndUser.city),
        "country": EndUser.country,
        "customerType": EndUser.customer_type,
        "customerRef": EndUser.customer_ref,
        "lastInteractionDate": EndUser.last_interaction_at,
    }


@dataclass
class ListFilters:
    search: str = ""
    ids: list[int] = field(default_factory=list)
    customer_type: str = ""


def list_filters(args) -> ListFilters:
    """search, ids and customerType from the query string; 400 with field errors when malformed."""
    form = validate_query(EndUserListQuery, args)
    return ListFilters((form.search.data or "").strip()[:200], form.ids.data, form.customerType.data or "")


def _contains(column, term: str):
    return func.lower(column).contains(term, autoescape=True)


MIN_INDEXED_LENGTH = 3  # a trigram index answers substrings of three characters or more
_FTS = table("end_user_fts", column("rowid"))
PREFIX_COLUMNS = ("firstname", "lastname", "company")  # a short word starts one of these, or an identifier


def _escaped(word: str) -> str:
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _forms(word: str) -> list[str]:
    """The word as typed (lower-cased) and as an identifier is stored (an e-mail normalised)."""
    return list(dict.fromkeys(f for f in (word, lookup_key(word)) if f))


NUMBER = re.compile(r"\+?\d{8,}")
NUMBER_TAIL = 7


def _indexed_part(form: str) -> str:
    """What the trigram index is asked for: a long number only by its last digits. Numbers share
    their leading ones (`+3247` starts every Belgian mobile), whose trigrams are in every row: asked
    for them, FTS5 and pg_trgm read million-entry lists (56 ms of a 70 ms search at 1 M rows, the
    last 7 digits 1-4 ms). The whole word is then checked on the rows found (_text_ids)."""
    return form[-NUMBER_TAIL:] if NUMBER.fullmatch(form) else form


def _shortened(word: str) -> bool:
    return any(_indexed_part(f) != f for f in _forms(word))


def _fts_query(words: list[str]) -> str:
    """An FTS5 query that ANDs the words, each as a phrase (any of its forms) of the trigram table."""
    def phrase(form: str) -> str:
        return '"' + _indexed_part(form).replace('"', '""') + '"'
    return " AND ".join(
        "(" + " OR ".join(phrase(f) for f in _forms(w) if len(f) >= MIN_INDEXED_LENGTH) + ")" for w in words)


def _holds(expr, form: str):
    """expr contains form: a bound '%form%' pattern (LIKE's wildcards in form escaped), which the
    trigram index of search_text on PostgreSQL can serve."""
    return expr.like(f"%{_escaped(form)}%", escape="/")


def _in_text(word: str):
    """search_text contains the word, as a filter on rows found otherwise. `|| ''` keeps PostgreSQL
    from taking a pattern of under three characters to the trigram index, which would read it whole."""
    return or_(*(_holds(EndUser.search_text + "", f) for f in _forms(word)))


def _ref_starts_with(word: str):
    """customerRef starts with the word, case-insensitively: SQLite's LIKE is case-insensitive and
    served by the NOCASE index; PostgreSQL's lower(customer_ref) by its text_pattern_ops index."""
    pattern = f"{_escaped(word)}%"
    if _sqlite():
        return EndUser.customer_ref.like(pattern, escape="/")
    return func.lower(EndUser.customer_ref).like(pattern, escape="/")


def _word_matches(word: str):
    """The plain meaning of one search word: in search_text, or the start of the customerRef."""
    return or_(_in_text(word), _ref_starts_with(word))


def _starts_with(expr, prefix: str):
    """expr starts with prefix, through an index on expr: on SQLite a range of the (binary, code point
    ordered) index, which is exactly the prefix; on PostgreSQL LIKE 'prefix%' on a text_pattern_ops
    index (a range would follow the database collation, where 'az' < 'a{' need not hold)."""
    if not _sqlite():
        return expr.like(f"{_escaped(prefix)}%", escape="/")
    bounds = [expr >= prefix]
    following = ord(prefix[-1]) + 1
    if following <= 0x10FFFF and not 0xD800 <= following <= 0xDFFF:
        bounds.append(expr < prefix[:-1] + chr(following))
    return and_(*bounds)


def search_words(term: str) -> list[str]:
    """The words every match must contain. A phone number typed with spaces (`0470 12 34 56`)
    is one word, its E.164 form: that is how identifiers and search_text keep it."""
    words = term.lower().split()
    phone = identifiers.parse_phone(term) if len(words) > 1 else None
    return [phone.lower()] if phone else list(dict.fromkeys(words))


def exact_identifier_ids(customer_id: int, term: str):
    """End users with an identifier equal to the term (an e-mail normalised, a phone in E.164)
    or that customerRef: index lookups on end_user_uid and end_user."""
    candidates = identifiers.lookup_candidates(term)
    return [
        select(EndUserUID.end_user_id).where(
            EndUserUID.customer_id == customer_id, EndUserUID.uid_lookup.in_(candidates)),
        select(EndUser.id).where(EndUser.customer_id == customer_id, EndUser.customer_ref == term.strip()),
    ]


def _text_ids(customer_id: int, long_words: list[str], short_words: list[str]):
    """Every long word in search_text through the index (one FTS5 query ANDing them on SQLite; one
    trigram pattern per word on PostgreSQL), the short words checked on the rows found."""
    if _sqlite():
        indexed = EndUser.id.in_(select(_FTS.c.rowid).where(
            literal_column("end_user_fts").op("MATCH")(_fts_query(long_words))))
        found = [indexed]
    else:
        found = [or_(*(_holds(EndUser.search_text, _indexed_part(f)) for f in _forms(w))) for w in long_words]
    whole = [_in_text(w) for w in long_words if _shortened(w)]  # the index was asked for a number's tail only
    return select(EndUser.id).where(EndUser.customer_id == customer_id, *found, *whole,
                                    *(_word_matches(w) for w in short_words))


def _ref_ids(customer_id: int, words: list[str]):
    """Rows whose customerRef starts with one of the words (an index range each), when every word
    matches them: a word found only at the start of the customerRef is not in search_text."""
    return select(EndUser.id).where(EndUser.customer_id == customer_id,
                                    or_(*(_ref_starts_with(w) for w in words)),
                                    *(_word_matches(w) for w in words))


def _prefix_ids(customer_id: int, word: str):
    """End users with a first name, last name, company, customerRef or identifier starting with the
    word: index ranges, for words too short for the trigram index."""
    by_column = [select(EndUser.id).where(EndUser.customer_id == customer_id,
                                          _starts_with(func.lower(getattr(EndUser, name)), word))
                 for name in PREFIX_COLUMNS]
    by_ref = select(EndUser.id).where(EndUser.customer_id == customer_id, _ref_starts_with(word))
    by_uid = select(EndUserUID.end_user_id).where(EndUserUID.customer_id == customer_id,
                                                  _starts_with(EndUserUID.uid_lookup, word))
    return union(*by_column, by_ref, by_uid)


# A common search (`antwerp`, a seventh of a million rows) is cheaper checked row by row along the
# list's sort order, stopping at the page and at the capped count, than gathered through the indexes
# first (`id IN (...)`, which collects every row holding the long words before anything else). Which
# one is decided from a sample of the tenant: the share d of its end users matching every word and
# the share l holding the long words. The walk reads about TOTAL_CAP / d rows to reach the capped
# count; the index path gathers l * N rows of the tenant's N; a row walked costs about WALK_COST of a
# row gathered (bench/search_paths.py at 1 M rows: 1.5 and 4-5 µs). So the walk is taken when the
# tenant has at least TOTAL_CAP / d * max(1, WALK_COST / l) end users (then its count stops at the
# cap, early enough), found by one index read that stops there; a rare word never gets that far.
SAMPLE_SLICES, SAMPLE_SLICE_ROWS = 20, 10
GOLDEN = (math.sqrt(5) - 1) / 2
WALK_COST = 0.35
MOST_ROWS_PROBED = 2_000_000


# The slices as one textual statement: built by SQLAlchemy it cost ~4 ms a search in statement
# construction and cache keys, for index reads of 0.1 ms. The same SQL runs on both databases.
_SAMPLE = text(" UNION ALL ".join(
    f"SELECT * FROM (SELECT search_text AS text FROM end_user WHERE customer_id = :customer_id"
    f" AND id >= :start_{k} ORDER BY id LIMIT {SAMPLE_SLICE_ROWS}) AS slice_{k}"
    for k in range(SAMPLE_SLICES))).columns(column("text", Text)).subquery("sample")
_ID_RANGE = text("SELECT (SELECT min(id) FROM end_user WHERE customer_id = :customer_id),"
                 " (SELECT max(id) FROM end_user WHERE customer_id = :customer_id)")


def _sample(customer_id: int) -> dict | None:
    """The parameters of _SAMPLE for the tenant: about SAMPLE_SLICES * SAMPLE_SLICE_ROWS of its end
    users, in slices spread over its ids (new rows are not like old ones) at golden-ratio steps, not
    round ones (rows written together, an import's, are alike)."""
    low, high = db.session.execute(_ID_RANGE, {"customer_id": customer_id}).one()
    if low is None or high - low + 1 <= pagination.TOTAL_CAP:  # too few rows for the walk ever to pay
        return None
    span = high - low + 1
    return {"customer_id": customer_id,
            **{f"start_{k}": low + int(span * ((k * GOLDEN) % 1)) for k in range(SAMPLE_SLICES)}}


def _sample_shares(customer_id: int, words: list[str]) -> tuple[float, float]:
    """The share of the sample whose search_text holds every word, and the share holding the long ones."""
    params = _sample(customer_id)
    if params is None:
        return 0.0, 0.0

    def holding(some):
        held = and_(*(or_(*(_holds(_SAMPLE.c.text, f) for f in _forms(w))) for w in some))
        return func.coalesce(func.sum(case((held, 1), else_=0)), 0)

    long_words = [w for w in words if len(w) >= MIN_INDEXED_LENGTH]
    rows, every, long = db.session.execute(
        select(func.count(), holding(words), holding(long_words)).select_from(_SAMPLE), params).one()
    return (every / rows, long / rows) if rows else (0.0, 0.0)


def _has_at_least(customer_id: int, count: int) -> bool:
    """Whether the tenant has `count` end users: a walk of its id index that stops there."""
    return db.session.scalar(select(EndUser.id).where(EndUser.customer_id == customer_id)
                             .order_by(EndUser.id).offset(count - 1).limit(1)) is not None


def walk_is_cheaper(customer_id: int, words: list[str]) -> bool:
    every, long = _sample_shares(customer_id, words)
    if not every:
        return False
    needed = math.ceil(pagination.TOTAL_CAP / every * max(1.0, WALK_COST / long))
    return needed <= MOST_ROWS_PROBED and _has_at_least(customer_id, needed)


def search_criterion(customer_id: int, term: str):
    """Every word must appear in a name, company, address, other contact details or identifier
    (end_user.search_text), or start the customerRef; or the whole term is one of the person's
    identifiers (a phone number in any format, an e-mail in any case) or their customerRef.

    Words of three characters or more go through the trigram index (FTS5 / pg_trgm); shorter words
    only narrow what those found. A search made only of words under three characters (`ab`,
    `o k`) looks for prefixes instead: each word must start a first name, last name, company,
    customerRef or identifier. Every form is an index lookup: one `id IN (UNION ...)` of them.
    A common search (walk_is_cheaper) is the same condition checked row by row along the sort order."""
    words = search_words(term)
    long_words = [w for w in words if len(w) >= MIN_INDEXED_LENGTH]
    short_words = [w for w in words if len(w) < MIN_INDEXED_LENGTH]
    sources = exact_identifier_ids(customer_id, term)
    if long_words and walk_is_cheaper(customer_id, words):
        return or_(EndUser.id.in_(union(*sources)), and_(*(_word_matches(w) for w in words)))
    if long_words:
        sources += [_text_ids(customer_id, long_words, short_words), _ref_ids(customer_id, words)]
    elif short_words:
        prefixed = select(EndUser.id).where(EndUser.customer_id == customer_id,
                                            *(EndUser.id.in_(_prefix_ids(customer_id, w)) for w in short_words))
        sources.append(prefixed)
    return EndUser.id.in_(union(*sources))


def end_user_list(customer_id: int, filters: ListFilters):
    stmt = scoped(EndUser, customer_id).options(selectinload(EndUser.uids))
    if filters.search:
        stmt = stmt.where(search_criterion(customer_id, filters.search))
    if filters.ids:
        stmt = stmt.where(EndUser.id.in_([i for i in filters.ids if in_id_range(i)]))
    if filters.customer_type:
        stmt = stmt.where(EndUser.customer_type == filters.customer_type)
    return stmt


# ---- Lookup by identifier -------------------------------------------------------------

@functools.cache
def _by_identifier():
    """A UNION of two index lookups (`id IN (...) OR customer_ref = ...` would scan the tenant).
    Built once, on first use (the mappers must be complete): a statement built per request costs
    more to build and hash than to run."""
    return scoped(EndUser, bindparam("customer_id"), EndUser.id.in_(union(
        select(EndUserUID.end_user_id).where(
            EndUserUID.customer_id == bindparam("customer_id"),
            EndUserUID.uid_lookup.in_(bindparam("candidates", expanding=True))),
        select(EndUser.id).where(EndUser.customer_id == bindparam("customer_id"),
                                 EndUser.customer_ref == bindparam("value")),
    ))).options(joinedload(EndUser.uids)).order_by(EndUser.id)


def find_by_identifier(customer_id: int, raw: str) -> list[EndUser]:
    """End users with a UID equal to the value (case-insensitive, phone numbers in any format)
    or with that customerRef, with their identifiers, in one statement."""
    value = (raw or "").strip()
    if not value:
        return []
    params = {"customer_id": customer_id, "candidates": sorted(identifiers.lookup_candidates(value)), "value": value}
    return list(db.session.scalars(_by_identifier(), params).unique())


# ---- Ticket history ---------------------------------------------------------------------

def ticket_sortable_columns() -> dict:
    return {
        "ticketID": Ticket.id,
        "lastMessageDate": Ticket.last_message_date,
        "createdDate": Ticket.created_date,
        "closedDate": Ticket.closed_date,
        "status": Ticket.status,
        "subject": func.lower(Ticket.subject),
        "channelID": Ticket.channel_id,
    }


@dataclass
class TicketFilters:
    status: str = ""
    customer_rep_id: int | None = None
    channel_type: str = ""
    channel_ids: list[int] = field(default_factory=list)
    uid: str = ""
    is_closed: bool | None = None
    is_spam: bool | None = None
    search: str = ""


def ticket_filters(args) -> TicketFilters:
    form = validate_query(TicketHistoryQuery, args)
    return TicketFilters(
        status=form.status.data or "", customer_rep_id=form.customerRepID.data,
        channel_type=form.channelType.data or "", channel_ids=form.channelIDs.data,
        uid=(form.uid.data or "").strip(), is_closed=form.isClosed.data, is_spam=form.isSpam.data,
        search=(form.search.data or "").strip()[:200],
    )


def ticket_history(end_user: EndUser, filters: TicketFilters):
    stmt = select(Ticket).where(tickets_of(end_user)).options(
        selectinload(Ticket.topics), selectinload(Ticket.channel)
    )
    if filters.status:
        stmt = stmt.where(Ticket.status == filters.status)
    if filters.customer_rep_id is not None:
        rep_id = filters.customer_rep_id
        stmt = stmt.where(Ticket.customer_rep_id == rep_id if in_id_range(rep_id) else false())
    if filters.channel_type:
        stmt = stmt.where(Ticket.channel_id.in_(
            select(Channel.id).where(Channel.customer_id == end_user.customer_id,
                                     Channel.channel_type == filters.channel_type)))
    if filters.channel_ids:
        stmt = stmt.where(Ticket.channel_id.in_([i for i in filters.channel_ids if in_id_range(i)]))
    if filters.uid:
        stmt = stmt.where(Ticket.uid_lookup.in_(
            identifiers.lookup_candidates(filters.uid, identifiers.region_for(end_user.country))))
    if filters.is_closed is not None:
        stmt = stmt.where(Ticket.is_closed.is_(filters.is_closed))
    if filters.is_spam is not None:
        stmt = stmt.where(Ticket.is_spam.is_(filters.is_spam))
    if filters.search:
        term = filters.search.lower()
        stmt = stmt.where(or_(
            _contains(Ticket.subject, term),
            Ticket.uid_lookup.contains(term, autoescape=True),
            exists().where(
                TicketMessage.customer_id == end_user.customer_id,
                TicketMessage.ticket_id == Ticket.id,
                _contains(TicketMessage.body, term),
            ),
        ))
    return stmt


def ticket_extras(customer_id: int, tickets: list[Ticket]) -> dict[int, dict]:
    """aiFeedbackComments (newest first) and lastEndUserMessageID for a page of tickets, in two queries."""
    ids = [t.id for t in tickets]
    extras = {i: {"aiFeedbackComments": [], "lastEndUserMessageID": None} for i in ids}
    if not ids:
        return extras
    feedback = db.session.execute(
        select(TicketMessage.ticket_id, TicketMessage.ai_feedback_comment).where(
            TicketMessage.customer_id == customer_id, TicketMessage.ticket_id.in_(ids),
            TicketMessage.is_escalated.is_(True), TicketMessage.ai_feedback_comment.is_not(None),
        ).order_by(TicketMessage.created_date.desc(), TicketMessage.id.desc())
    )
    for ticket_id, comment in feedback:
        if comment.strip():
            extras[ticket_id]["aiFeedbackComments"].append(comment)
    single = db.session.execute(
        select(TicketMessage.ticket_id, func.min(TicketMessage.id)).where(
            TicketMessage.customer_id == customer_id, TicketMessage.ticket_id.in_(ids),
            TicketMessage.sender == "EndUser",
        ).group_by(TicketMessage.ticket_id).having(func.count() == 1)
    )
    for ticket_id, message_id in single:
        extras[ticket_id]["lastEndUserMessageID"] = message_id
    return extras


# ---- Insights -----------------------------------------------------------------------------

def insights(end_user: EndUser, feedback_limit: int = 5) -> dict:
    """Tickets by status, channel and topic, last interaction and the latest escalation feedback."""
    mine = tickets_of(end_user)
    by_status = dict(db.session.execute(
        select(Ticket.status, func.count()).where(mine).group_by(Ticket.status)).all())
    by_channel = db.session.execute(
        select(Channel.name, Channel.channel_type, func.count())
        .select_from(Ticket)
        .join(Channel, and_(Channel.id == Ticket.channel_id, Channel.customer_id == Ticket.customer_id))
        .where(mine).group_by(Channel.name, Channel.channel_type).order_by(func.count().desc(), Channel.name)
    ).all()
    by_topic = db.session.execute(
        select(Topic.name, func.count())
        .select_from(Ticket)
        .join(ticket_topic, and_(ticket_topic.c.ticket_id == Ticket.id, ticket_topic.c.customer_id == Ticket.customer_id))
        .join(Topic, and_(Topic.id == ticket_topic.c.topic_id, Topic.customer_id == Ticket.customer_id))
        .where(mine).group_by(Topic.name).order_by(func.count().desc(), Topic.name)
    ).all()
    feedback = db.session.execute(
        select(TicketMessage.ai_feedback_comment, TicketMessage.created_date, Ticket.id, Ticket.subject)
        .join(Ticket, and_(Ticket.id == TicketMessage.ticket_id, Ticket.customer_id == TicketMessage.customer_id))
        .where(mine, TicketMessage.is_escalated.is_(True), TicketMessage.ai_feedback_comment.is_not(None))
        .order_by(TicketMessage.created_date.desc(), TicketMessage.id.desc()).limit(feedback_limit)
    ).all()
    return {
        "total": sum(by_status.values()),
        "byStatus": [(s, by_status.get(s, 0)) for s in TICKET_STATUSES],
        "byChannel": by_channel,
        "byTopic": by_topic,
        "lastInteraction": db.session.scalar(select(func.max(Ticket.last_message_date)).where(mine)),
        "feedback": feedback,
    }
