"""Writes for topics. These only flush; the request commits once."""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.actions.models import TopicAction
from app.extensions import db
from app.named_resources import ensure_unique_name
from app.problems import Problem
from app.topics.models import Topic


def save_topic(topic: Topic, form) -> Topic:
    name = form.name.data.strip()
    ensure_unique_name(topic, name)
    topic.name = name
    topic.description = (form.description.data or "").strip() or None
    topic.is_active = bool(form.isActive.data)
    db.session.add(topic)
    db.session.flush()
    return topic


def delete_topic(topic: Topic) -> None:
    links = db.session.scalar(select(func.count()).select_from(TopicAction).where(
        TopicAction.customer_id == topic.customer_id, TopicAction.topic_id == topic.id))
    if links:
        raise Problem(409, f"Topic {topic.name!r} still has {links} linked action(s); remove them or deactivate the topic.")
    try:
        with db.session.begin_nested():
            db.session.delete(topic)
            db.session.flush()
    except IntegrityError:
        raise Problem(409, f"Topic {topic.name!r} is still used by tickets; deactivate it instead.") from None
