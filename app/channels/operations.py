"""Writes for channels, and the Phone channel secret (shown once, stored hashed). They take the
tenant and the actor, only flush, and raise domain errors."""
import secrets

from sqlalchemy import func, select

from app.actions.models import HookAction, TopicAction
from app.actors import Actor
from app.audit.recorder import EntityKind, audited, rebuild, register, restore_attributes
from app.auth.passwords import hash_password
from app.channels.models import CHANNEL, Channel
from app.domain_errors import Invalid
from app.extensions import db
from app.named_resources import delete_unless_used, save_named, set_active
from app.tenancy import ensure_owned
from app.timeutil import utcnow

_restore = restore_attributes({"name": "name", "channelType": "channel_type", "isActive": "is_active"})
register(Channel, EntityKind(
    "Channel", lambda c: c.name,
    lambda c: {**CHANNEL.values(c, ("name", "channelType", "isActive")), "channelSecret": c.secret_hash},
    secrets=("channelSecret",), restore=_restore, build=rebuild(Channel, _restore),
))


def _apply(channel: Channel, values: dict) -> None:
    channel.name = values["name"].strip()
    channel.channel_type = values["channelType"]
    channel.is_active = bool(values.get("isActive"))


def create_channel(customer_id: int, actor: Actor, values: dict) -> Channel:
    channel = Channel(customer_id=customer_id)
    with audited(customer_id, actor, "Create", channel):
        save_named(channel, values, _apply)
    return channel


def update_channel(customer_id: int, actor: Actor, channel: Channel, values: dict) -> Channel:
    with audited(customer_id, actor, "Update", ensure_owned(channel, customer_id)):
        save_named(channel, values, _apply)
    return channel


def set_channel_active(customer_id: int, actor: Actor, channel: Channel, active: bool) -> None:
    with audited(customer_id, actor, "Update", ensure_owned(channel, customer_id)):
        set_active(channel, active)


def delete_channel(customer_id: int, actor: Actor, channel: Channel) -> None:
    ensure_owned(channel, customer_id)
    links = sum(db.session.scalar(select(func.count()).select_from(m).where(
        m.customer_id == customer_id, m.channel_id == channel.id)) for m in (TopicAction, HookAction))
    with audited(customer_id, actor, "Delete", channel):
        delete_unless_used(channel, links)


def rotate_channel_secret(customer_id: int, actor: Actor, channel: Channel, secret: str | None = None) -> str:
    """A new secret for a Phone channel (random unless given, as the demo does); the plain value is
    returned once and never stored."""
    ensure_owned(channel, customer_id)
    if channel.channel_type != "Phone":
        raise Invalid.field("channelType", "Only Phone channels have a secret.")
    secret = secret or secrets.token_urlsafe(32)
    with audited(customer_id, actor, "Update", channel):
        channel.secret_hash = hash_password(secret)
        channel.secret_rotated_at = utcnow()
        db.session.flush()
    return secret
