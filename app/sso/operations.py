"""Writes of single sign-on: the tenant's settings, and the Agent made for a person who signed in
through the provider. They take the tenant and the actor, only flush, and raise domain errors."""
import secrets

from sqlalchemy import func, select

from app.actors import Actor
from app.audit.recorder import EntityKind, audited, register, restore_attributes
from app.auth.models import Representative
from app.auth.operations import create_representative
from app.domain_errors import Invalid
from app.extensions import db
from app.sso.models import FIELDS, SECRET, SsoSettings
from app.tenancy import scoped
from app.timeutil import utcnow

# The actor of what a sign-in through the provider writes.
SSO_ACTOR = Actor("System", "sso", "Single sign-on")


def _snapshot(settings: SsoSettings) -> dict:
    return {**{name: getattr(settings, attr) for name, attr in FIELDS.items()}, SECRET: settings.client_secret}


register(SsoSettings, EntityKind("SsoSettings", lambda s: "Single sign-on", _snapshot, secrets=(SECRET,),
                                 restore=restore_attributes(FIELDS)))


def settings_of(customer_id: int) -> SsoSettings | None:
    return db.session.scalar(scoped(SsoSettings, customer_id))


def settings_for_domain(domain: str) -> SsoSettings | None:
    """The usable settings of the tenant that claimed this e-mail domain, if any."""
    found = db.session.scalar(select(SsoSettings).where(SsoSettings.allowed_domain == domain.lower()))
    return found if found is not None and found.usable else None


def save_settings(customer_id: int, actor: Actor, values: dict, secret: str | None = None) -> SsoSettings:
    """`values` by form name; `secret` None keeps the stored client secret, "" clears it."""
    domain = values.get("allowedDomain")
    if domain:
        taken = db.session.scalar(select(SsoSettings.id).where(
            func.lower(SsoSettings.allowed_domain) == domain.lower(), SsoSettings.customer_id != customer_id))
        if taken is not None:
            raise Invalid.field("allowedDomain", "This domain signs in to another Switchboard account already.")
    settings = settings_of(customer_id)
    action = "Update" if settings is not None else "Create"
    settings = settings or SsoSettings(customer_id=customer_id, enabled=False, create_agents=False)
    with audited(customer_id, actor, action, settings):
        for name, value in values.items():
            setattr(settings, FIELDS[name], value)
        if secret is not None and (secret or None) != settings.client_secret:
            settings.client_secret = secret or None
            settings.secret_changed_at = utcnow() if secret else None
        db.session.add(settings)
        db.session.flush()
    return settings


def create_sso_agent(customer_id: int, actor: Actor, email: str, name: str | None) -> Representative:
    """A person the provider vouched for, new to Switchboard: an Agent with no usable password
    (a random one nobody knows; an Admin can set one later)."""
    return create_representative(customer_id, actor, email, secrets.token_urlsafe(32), role="Agent",
                                 name=(name or None) and name[:200])
