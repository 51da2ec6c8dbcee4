"""Writes for API keys: create (the key is returned this once) and revoke. They take the tenant and
the actor, only flush, and record one audit event each (never the key or its hash)."""
from datetime import datetime

from app.actors import Actor
from app.api_keys.key_format import PREFIX_SHOWN, digest, new_key
from app.api_keys.models import ApiKey
from app.audit.recorder import EntityKind, audited, register
from app.extensions import db
from app.tenancy import ensure_owned
from app.timeutil import iso

# Not revertible: bringing a revoked key back would undo a security decision.
register(ApiKey, EntityKind("ApiKey", lambda k: k.name, lambda k: {
    "name": k.name, "scopes": k.scope_list, "key": k.display,
    "expiresAt": iso(k.expires_at) if k.expires_at else None}))


def create_api_key(customer_id: int, actor: Actor, name: str, scopes: list[str],
                   expires_at: datetime | None) -> tuple[ApiKey, str]:
    """The new key and its plaintext, which nothing stores."""
    plaintext = new_key()
    key = ApiKey(customer_id=customer_id)
    with audited(customer_id, actor, "Create", key):
        key.name, key.scopes, key.expires_at = name.strip(), " ".join(scopes), expires_at
        key.key_hash, key.prefix, key.last_four = digest(plaintext), plaintext[:PREFIX_SHOWN], plaintext[-4:]
        db.session.add(key)
        db.session.flush()
    return key, plaintext


def revoke_api_key(customer_id: int, actor: Actor, key: ApiKey) -> None:
    """Deleted, so the next request with it finds nothing (401)."""
    with audited(customer_id, actor, "Delete", ensure_owned(key, customer_id)):
        db.session.delete(key)
        db.session.flush()
