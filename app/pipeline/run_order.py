"""What runs when, for one channel: the stages in platform order and each stage's links in the order
they run. The pipeline picture and the dry run both read this module, so they cannot disagree.

A stage's run order merges the channel's own list with the every-channel list: lower priority
first; on equal priority the every-channel link first (the general rule before the channel's
exception), then the lower link id.
"""
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.actions.models import Action, HookAction, TopicAction
from app.extensions import db
from app.topics.models import Topic

MESSAGE_HOOKS_BEFORE_TOPICS = ("PreSpam", "PostSpam", "PostTopicDetection")
ESCALATION_HOOKS = ("OnEscalate", "PostEscalate", "OnEscalateFailed")
CLOSE_HOOKS = ("OnClose",)
END_USER_HOOKS = ("OnEndUserAdd", "OnEndUserUpdate", "OnEndUserDelete", "UserTriggered")
PHONE_HOOKS = ("OnPhonePickup", "OnPhonePickupSay")
MESSAGE_HOOKS = MESSAGE_HOOKS_BEFORE_TOPICS + ESCALATION_HOOKS + CLOSE_HOOKS
HOOK_ORDER = MESSAGE_HOOKS + END_USER_HOOKS + PHONE_HOOKS

# Steps the platform itself takes between hooks: shown in the picture, no actions of their own.
PLATFORM_STEPS = {"PreSpam": "Spam check", "PostSpam": "Topic detection"}


@dataclass(frozen=True)
class Planned:
    """One link in its place in a stage's run order."""

    link: object  # a HookAction or a TopicAction
    action: Action
    every_channel: bool

    @property
    def priority(self) -> int:
        return self.link.priority

    @property
    def wait_seconds(self) -> int:
        """The wait this step adds when it runs (only an active Wait action waits)."""
        if self.action.action_type == "Wait" and self.action.is_active:
            return self.action.wait_seconds or 0
        return 0


@dataclass
class Stage:
    kind: str  # "hook", "topic" or "special" (a special topic)
    name: str  # the hook name, the topic's name or the special topic
    steps: list[Planned] = field(default_factory=list)
    topic: Topic | None = None

    @property
    def total_wait(self) -> int:
        return sum(step.wait_seconds for step in self.steps)


def _merged(rows: list, channel_id: int | None) -> list[Planned]:
    planned = [Planned(row, row.action, row.channel_id is None) for row in rows]
    return sorted(planned, key=lambda p: (p.link.priority, not p.every_channel, p.link.id))


def hook_order(customer_id: int, hook_name: str, channel_id: int | None) -> list[Planned]:
    """The links of one hook as they run on this channel (None: the every-channel list alone)."""
    return hook_orders(customer_id, [hook_name], channel_id)[hook_name]


def hook_orders(customer_id: int, hook_names, channel_id: int | None) -> dict[str, list[Planned]]:
    channel_match = HookAction.channel_id.is_(None)
    if channel_id is not None:
        channel_match = channel_match | (HookAction.channel_id == channel_id)
    rows = db.session.scalars(
        select(HookAction).options(selectinload(HookAction.action))
        .where(HookAction.customer_id == customer_id, HookAction.hook_name.in_(list(hook_names)), channel_match)
    ).all()
    return {name: _merged([r for r in rows if r.hook_name == name], channel_id) for name in hook_names}


def topic_orders(customer_id: int, topic_ids, channel_id: int | None) -> dict[int, list[Planned]]:
    """Each topic's links as they run on this channel (special channels never match a real one)."""
    channel_match = TopicAction.channel_id.is_(None) & TopicAction.special_channel.is_(None)
    if channel_id is not None:
        channel_match = channel_match | (TopicAction.channel_id == channel_id)
    rows = db.session.scalars(
        select(TopicAction).options(selectinload(TopicAction.action))
        .where(TopicAction.customer_id == customer_id, TopicAction.topic_id.in_(list(topic_ids)), channel_match)
    ).all()
    return {tid: _merged([r for r in rows if r.topic_id == tid], channel_id) for tid in topic_ids}


def special_topic_orders(customer_id: int, channel_id: int | None) -> dict[str, list[Planned]]:
    """The special topics' lists (a topic context without a topic row), merged the same way."""
    channel_match = TopicAction.channel_id.is_(None) & TopicAction.special_channel.is_(None)
    if channel_id is not None:
        channel_match = channel_match | (TopicAction.channel_id == channel_id)
    rows = db.session.scalars(
        select(TopicAction).options(selectinload(TopicAction.action))
        .where(TopicAction.customer_id == customer_id, TopicAction.special_topic.is_not(None), channel_match)
    ).all()
    names = sorted({r.special_topic for r in rows})
    return {name: _merged([r for r in rows if r.special_topic == name], channel_id) for name in names}


def pipeline(customer_id: int, channel_id: int, topics: list[Topic]) -> dict[str, list[Stage]]:
    """Every stage for the channel, grouped as the picture draws them."""
    hooks = hook_orders(customer_id, HOOK_ORDER, channel_id)
    by_topic = topic_orders(customer_id, [t.id for t in topics], channel_id)

    def stages(names):
        return [Stage("hook", name, hooks[name]) for name in names]

    return {
        "before_topics": stages(MESSAGE_HOOKS_BEFORE_TOPICS),
        "topics": [Stage("topic", t.name, by_topic[t.id], topic=t) for t in topics],
        "special_topics": [Stage("special", name, steps)
                           for name, steps in special_topic_orders(customer_id, channel_id).items()],
        "escalation": stages(ESCALATION_HOOKS),
        "close": stages(CLOSE_HOOKS),
        "end_user": stages(END_USER_HOOKS),
        "phone": stages(PHONE_HOOKS),
    }
