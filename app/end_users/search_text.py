"""One lower-cased text per end user that list search scans: names, company, address, other
contact details and every identifier value.

Kept up to date on every flush, whichever code changed the person or one of their identifiers,
so search needs one LIKE per word instead of eight, and PostgreSQL answers it from a trigram
index (see the migration that adds end_user.search_text).
"""
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.end_users.models import EndUser, EndUserUID

PROFILE_FIELDS = ("firstname", "lastname", "company", "city", "street", "postal_code", "other_contact_details")


def compose(end_user: EndUser, uid_values) -> str:
    parts = [getattr(end_user, name) for name in PROFILE_FIELDS]
    parts.extend(uid_values)
    return "\n".join(p.strip().lower() for p in parts if p and p.strip())


@event.listens_for(Session, "before_flush")
def _refresh_search_text(session: Session, _context, _instances) -> None:
    touched = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, EndUser):
            touched.add(obj)
        elif isinstance(obj, EndUserUID) and obj.end_user is not None:
            touched.add(obj.end_user)
    for end_user in touched:
        if end_user in session.deleted:
            continue
        uids = [u.uid_lookup for u in end_user.uids if u not in session.deleted and u.uid_lookup]
        end_user.search_text = compose(end_user, uids)


# Built by their migrations in SQL, so the models do not declare them and autogenerate leaves them
# alone: on PostgreSQL a GIN trigram index and a text_pattern_ops index (no SQLite counterpart); on
# both the expression indexes of the list sorts (ix_end_user_sort_*, migration c5d8e2a1f4b9) and on
# SQLite the FTS5 table end_user_fts with its shadow tables.
DATABASE_ONLY_INDEXES = {"ix_end_user_search_text_trgm", "ix_end_user_customer_ref_prefix",
                         # PostgreSQL's prefix search for short words (migration d3a7f1c9b254)
                         "ix_end_user_prefix_firstname", "ix_end_user_prefix_lastname",
                         "ix_end_user_prefix_company", "ix_end_user_uid_prefix"}
DATABASE_ONLY_PREFIXES = {"index": "ix_end_user_sort_", "table": "end_user_fts"}


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "index" and name in DATABASE_ONLY_INDEXES:
        return False
    prefix = DATABASE_ONLY_PREFIXES.get(type_)
    return not (prefix and name and name.startswith(prefix))
