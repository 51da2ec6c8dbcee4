"""Writes for channels, and the Phone channel secret (shown once, stored hashed)."""
import secrets

from sqlalchemy import func, select

from app.actions.models import HookAction, TopicAction
from app.auth.passwords import hash_password
from app.channels.models import Channel
from app.extensions import db
from app.named_resources import delete_unless_used, ensure_unique_name
from app.problems import Problem
from app.timeutil import utcnow


def save_channel(channel: Channel, form) -> Channel:
    name = form.name.data.strip()
    ensure_unique_name(channel, name)
    channel.name = name
    channel.channel_type = form.channelType.data
    channel.is_active = bool(form.isActive.data)
    db.session.add(channel)
    db.session.flush()
    return channel


def delete_channel(channel: Channel) -> None:
    links = sum(db.session.scalar(select(func.count()).select_from(m).where(
        m.customer_id == channel.customer_id, m.channel_id == channel.id)) for m in (TopicAction, HookAction))
    delete_unless_used(channel, links)


def rotate_secret(channel: Channel) -> str:
    """A new secret for a Phone channel; the plain value is returned once and never stored."""
    if channel.channel_type != "Phone":
        raise Problem(400, "Only Phone channels have a secret.")
    secret = secrets.token_urlsafe(32)
    channel.secret_hash = hash_password(secret)
    channel.secret_rotated_at = utcnow()
    db.session.flush()
    return secret
