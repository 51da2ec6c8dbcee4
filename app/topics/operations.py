"""Writes for topics. They take the tenant and the actor, only flush, and raise domain errors."""
from sqlalchemy import func, select

from app.actions.models import TopicAction
from app.actors import Actor
from app.extensions import db
from app.named_resources import delete_unless_used, save_named, set_active
from app.tenancy import ensure_owned
from app.topics.models import Topic


def _apply(topic: Topic, values: dict) -> None:
    topic.name = values["name"].strip()
    topic.description = (values.get("description") or "").strip() or None
    topic.is_active = bool(values.get("isActive"))


def create_topic(customer_id: int, actor: Actor, values: dict) -> Topic:
    return save_named(Topic(customer_id=customer_id), values, _apply)


def update_topic(customer_id: int, actor: Actor, topic: Topic, values: dict) -> Topic:
    return save_named(ensure_owned(topic, customer_id), values, _apply)


def set_topic_active(customer_id: int, actor: Actor, topic: Topic, active: bool) -> None:
    set_active(ensure_owned(topic, customer_id), active)


def delete_topic(customer_id: int, actor: Actor, topic: Topic) -> None:
    ensure_owned(topic, customer_id)
    links = db.session.scalar(select(func.count()).select_from(TopicAction).where(
        TopicAction.customer_id == customer_id, TopicAction.topic_id == topic.id))
    delete_unless_used(topic, links)
