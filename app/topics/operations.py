"""Writes for topics. These only flush; the request commits once."""
from sqlalchemy import func, select

from app.actions.models import TopicAction
from app.extensions import db
from app.named_resources import delete_unless_used, ensure_unique_name
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
    delete_unless_used(topic, links)
