"""Writes for topics. They take the tenant and the actor, only flush, raise domain errors, and
leave one audit event each."""
from sqlalchemy import func, select

from app.actions.models import TopicAction
from app.actors import Actor
from app.audit.recorder import EntityKind, audited, rebuild, register, restore_attributes
from app.extensions import db
from app.named_resources import delete_unless_used, save_named, set_active
from app.tenancy import ensure_owned
from app.topics.models import TOPIC, Topic

_restore = restore_attributes({"name": "name", "description": "description", "isActive": "is_active"})
register(Topic, EntityKind("Topic", lambda t: t.name, lambda t: TOPIC.values(t, ("name", "description", "isActive")),
                           restore=_restore, build=rebuild(Topic, _restore)))


def _apply(topic: Topic, values: dict) -> None:
    topic.name = values["name"].strip()
    topic.description = (values.get("description") or "").strip() or None
    topic.is_active = bool(values.get("isActive"))


def create_topic(customer_id: int, actor: Actor, values: dict) -> Topic:
    topic = Topic(customer_id=customer_id)
    with audited(customer_id, actor, "Create", topic):
        save_named(topic, values, _apply)
    return topic


def update_topic(customer_id: int, actor: Actor, topic: Topic, values: dict) -> Topic:
    with audited(customer_id, actor, "Update", ensure_owned(topic, customer_id)):
        save_named(topic, values, _apply)
    return topic


def set_topic_active(customer_id: int, actor: Actor, topic: Topic, active: bool) -> None:
    with audited(customer_id, actor, "Update", ensure_owned(topic, customer_id)):
        set_active(topic, active)


def delete_topic(customer_id: int, actor: Actor, topic: Topic) -> None:
    ensure_owned(topic, customer_id)
    links = db.session.scalar(select(func.count()).select_from(TopicAction).where(
        TopicAction.customer_id == customer_id, TopicAction.topic_id == topic.id))
    with audited(customer_id, actor, "Delete", topic):
        delete_unless_used(topic, links)
