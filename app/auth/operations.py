"""Checking credentials (shared by the login page and the login API), and adding representatives."""
from sqlalchemy import func, select

from app.actors import Actor
from app.audit.recorder import EntityKind, audited, register
from app.auth.emails import InvalidEmail, normalize_email
from app.auth.models import Representative
from app.auth.passwords import hash_password, verify_password
from app.channels.models import Channel
from app.domain_errors import Invalid
from app.extensions import db
from app.team.rules import restore_representative
from app.tenancy import in_id_range
from app.timeutil import utcnow


def authenticate(email: str, password: str) -> Representative | None:
    """The active representative with this e-mail and password, or None (same cost either way)."""
    rep = db.session.scalar(
        select(Representative).where(func.lower(Representative.email) == email.strip().lower())
    )
    ok = verify_password(rep.password_hash if rep else None, password)
    if rep is None or not ok or not rep.is_active:
        return None
    return rep


def record_login(rep: Representative) -> None:
    """When the person last signed in (not an audited change: nothing of theirs changed)."""
    rep.last_login_at = utcnow()


def authenticate_phone_channel(channel_id: int, secret: str):
    """The active Phone channel whose secret matches, or None."""
    channel = db.session.get(Channel, channel_id) if in_id_range(channel_id) else None
    ok = verify_password(channel.secret_hash if channel else None, secret)
    if channel is None or not ok or channel.channel_type != "Phone" or not channel.is_active:
        return None
    return channel


register(Representative, EntityKind("Representative", lambda r: r.display_name, lambda r: {
    "email": r.email, "name": r.name, "role": r.role, "timeZone": r.time_zone, "isActive": r.is_active,
    "password": r.password_hash}, secrets=("password",), restore=restore_representative))


def create_representative(customer_id: int, actor: Actor, email: str, password: str, role: str = "Agent",
                          name: str | None = None, time_zone: str = "Europe/Brussels") -> Representative:
    """Invalid on `email` when the address could not sign in (app/auth/emails.py)."""
    try:
        email = normalize_email(email)
    except InvalidEmail as exc:
        raise Invalid.field("email", str(exc)) from None
    rep = Representative(customer_id=customer_id, role=role, time_zone=time_zone)
    with audited(customer_id, actor, "Create", rep):
        rep.email, rep.name, rep.password_hash = email, name, hash_password(password)
        rep.is_active = True
        db.session.add(rep)
        db.session.flush()
    return rep
