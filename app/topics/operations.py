"""Writes for topics. These only flush; the request commits once."""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.actions.models import TopicAction
from app.extensions import db
from app.problems import Problem
from app.topics.models import Topic


def _name_taken(customer_id: int, name: str, except_id: int | None = None) -> bool:
    stmt = select(func.count()).select_from(Topic).where(
        Topic.customer_id == customer_id, Topic.name == name)
    if except_id is not None:
        stmt = stmt.where(Topic.id != except_id)
    return bool(db.session.scalar(stmt))


def save_topic(topic: Topic, form) -> Topic:
    name = form.name.data.strip()
    if _name_taken(topic.customer_id, name, topic.id):
        raise Problem(409, f"A topic named {name!r} already exists.")
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
