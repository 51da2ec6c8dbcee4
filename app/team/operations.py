"""Writes for the Team: add a representative, change what they are, give them a new password.
They take the tenant and the actor, only flush, and raise domain errors; a change of access or
password ends the person's sessions and tokens (app/team/rules.py)."""
import secrets

from app.actors import Actor
from app.audit.recorder import audited
from app.auth.models import Representative
from app.auth.operations import create_representative
from app.auth.passwords import hash_password
from app.domain_errors import Conflict
from app.extensions import db
from app.team.rules import change_access, email_taken
from app.tenancy import ensure_owned

DUPLICATE_EMAIL = "A representative with this e-mail address already exists."


def new_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, 120 bits


def _refuse_taken(email: str, except_id: int | None = None) -> None:
    if email_taken(email, except_id):
        raise Conflict(DUPLICATE_EMAIL, {"email": [DUPLICATE_EMAIL]})


def add_representative(customer_id: int, actor: Actor, values: dict) -> tuple[Representative, str | None]:
    """The new representative, and the generated password when none was given (returned once,
    never stored in plain)."""
    _refuse_taken(values["email"])
    generated = None if values.get("password") else new_password()
    rep = create_representative(customer_id, actor, values["email"], values.get("password") or generated,
                                role=values["role"], name=values.get("name") or None, time_zone=values["timeZone"])
    return rep, generated


def update_representative(customer_id: int, actor: Actor, rep: Representative, values: dict) -> Representative:
    """Values under DTO names; `password`, when given, replaces the password."""
    ensure_owned(rep, customer_id)
    with audited(customer_id, actor, "Update", rep):
        if values["email"] != rep.email:
            _refuse_taken(values["email"], rep.id)
            rep.email = values["email"]
        rep.name, rep.time_zone = values.get("name") or None, values["timeZone"]
        change_access(rep, values["role"], bool(values["isActive"]))
        if values.get("password"):
            rep.password_hash = hash_password(values["password"])
            rep.end_sessions()
        db.session.flush()
    return rep


def stored_values(rep: Representative) -> dict:
    """What a partial update starts from."""
    return {"email": rep.email, "name": rep.name, "role": rep.role, "timeZone": rep.time_zone,
            "isActive": rep.is_active}


def change_role(customer_id: int, actor: Actor, rep: Representative, role: str) -> Representative:
    return update_representative(customer_id, actor, rep, {**stored_values(rep), "role": role})


def set_active(customer_id: int, actor: Actor, rep: Representative, active: bool) -> Representative:
    return update_representative(customer_id, actor, rep, {**stored_values(rep), "isActive": active})


def reset_password(customer_id: int, actor: Actor, rep: Representative) -> str:
    """A generated password, returned this once."""
    password = new_password()
    update_representative(customer_id, actor, rep, {**stored_values(rep), "password": password})
    return password
