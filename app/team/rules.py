"""The rules every change of a representative's access obeys, wherever it comes from (the Team
page, the API, a revert): a tenant keeps at least one active Admin, and a change of role or of
being active ends that person's sessions and tokens."""
from sqlalchemy import func, select

from app.auth.models import Representative
from app.customers.models import Customer
from app.domain_errors import Conflict
from app.extensions import db

LAST_ADMIN = "This is the last active Admin of the account: make someone else an Admin first."


def _other_active_admins(rep: Representative) -> int:
    """Counted under the tenant's row lock (PostgreSQL FOR NO KEY UPDATE, which leaves inserts of the
    tenant's rows alone; SQLite's writer holds the database): two requests demoting two Admins at
    once take turns, and the second counts after the first committed. Locking the Admins' rows
    instead deadlocks, as each request already holds the row it changes."""
    db.session.execute(select(Customer.id).where(Customer.id == rep.customer_id).with_for_update(key_share=True))
    return db.session.scalar(
        select(func.count()).select_from(Representative).where(
            Representative.customer_id == rep.customer_id, Representative.role == "Admin",
            Representative.is_active.is_(True), Representative.id != rep.id))


def change_access(rep: Representative, role: str, is_active: bool) -> None:
    """Set role and active state; Conflict when that would leave the tenant without an active Admin."""
    if role == rep.role and is_active == rep.is_active:
        return
    if rep.role == "Admin" and rep.is_active and not (role == "Admin" and is_active) and not _other_active_admins(rep):
        raise Conflict(LAST_ADMIN, {("role" if role != "Admin" else "isActive"): [LAST_ADMIN]})
    rep.role, rep.is_active = role, is_active
    rep.end_sessions()


def email_taken(email: str, except_id: int | None = None) -> bool:
    """Addresses are unique across tenants, since signing in names only the address; the database's
    unique constraint settles a race (app/db_conflicts.py: a 409 on `email`)."""
    stmt = select(func.count()).select_from(Representative).where(Representative.email == email)
    if except_id is not None:
        stmt = stmt.where(Representative.id != except_id)
    return bool(db.session.scalar(stmt))


def restore_representative(rep: Representative, values: dict) -> None:
    """A revert of a representative's change: under the same rules as the change itself."""
    for name, attribute in (("email", "email"), ("name", "name"), ("timeZone", "time_zone")):
        if name in values:
            setattr(rep, attribute, values[name])
    change_access(rep, values.get("role", rep.role), values.get("isActive", rep.is_active))
