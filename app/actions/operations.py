"""Writes for actions and their links. These only flush; the request commits once."""
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.actions.models import Action, HookAction, TopicAction
from app.actions.ordering import lock_context, next_priority
from app.actions.serializers import ACTION_FIELDS, SECRET_ATTRS
from app.extensions import db
from app.problems import Problem


# ---- Actions ------------------------------------------------------------------------------

def _blank_to_none(value):
    return None if isinstance(value, str) and not value.strip() else value


def apply_action_form(action: Action, form, secrets: dict, default_time_zone: str | None) -> None:
    """Copy the validated form onto the action.

    `secrets` holds only the write-only secrets the caller means to change: "" clears, any
    other value replaces; a secret that is not in it keeps its stored value.
    """
    for dto, attr in ACTION_FIELDS.items():
        value = form[dto].data
        if dto in ("isActive", "isFunctionTool"):
            value = bool(value)
        setattr(action, attr, _blank_to_none(value))
    if not action.action_schedule_time_zone_id:
        action.action_schedule_time_zone_id = default_time_zone
    for dto, value in secrets.items():
        setattr(action, SECRET_ATTRS[dto], value or None)


def create_action(customer_id: int, form, secrets: dict, default_time_zone: str | None) -> Action:
    action = Action(customer_id=customer_id)
    apply_action_form(action, form, secrets, default_time_zone)
    db.session.add(action)
    db.session.flush()
    return action


def action_links(action: Action) -> list[str]:
    """Human names of the lists an action is linked into (for the 409 on delete)."""
    names = []
    for link in db.session.scalars(select(TopicAction).where(
            TopicAction.customer_id == action.customer_id, TopicAction.action_id == action.id)):
        names.append(f"TopicAction {link.id} ({describe_topic_context(link)})")
    for link in db.session.scalars(select(HookAction).where(
            HookAction.customer_id == action.customer_id, HookAction.action_id == action.id)):
        names.append(f"HookAction {link.id} ({describe_hook_context(link)})")
    return names


def delete_action(action: Action) -> None:
    links = action_links(action)
    if links:
        raise Problem(
            409,
            f"This action is still linked ({len(links)}): {'; '.join(links)}. "
            "Remove the links first, or deactivate the action instead (isActive=false).",
            links=links,
        )
    db.session.delete(action)
    db.session.flush()


# ---- Links -----------------------------------------------------------------------------------

def describe_topic_context(link) -> str:
    topic = f"topic {link.topic.name}" if link.topic else f"special topic {link.special_topic}"
    if link.channel:
        return f"{topic}, channel {link.channel.name}"
    if link.special_channel:
        return f"{topic}, special channel {link.special_channel}"
    return f"{topic}, every channel"


def describe_hook_context(link) -> str:
    return f"hook {link.hook_name}, {'channel ' + link.channel.name if link.channel else 'every channel'}"


def _none_if_zero(value):
    return value or None


def topic_link_values(form) -> dict:
    return {
        "topic_id": _none_if_zero(form.topicID.data),
        "special_topic": _blank_to_none(form.specialTopic.data),
        "channel_id": _none_if_zero(form.channelID.data),
        "special_channel": _blank_to_none(form.specialChannel.data),
        "document_id": _none_if_zero(form.documentID.data),
        "action_id": form.actionID.data,
        "priority": form.priority.data,
    }


def hook_link_values(form) -> dict:
    return {
        "hook_name": form.hookName.data,
        "channel_id": _none_if_zero(form.channelID.data),
        "document_id": _none_if_zero(form.documentID.data),
        "action_id": form.actionID.data,
        "priority": form.priority.data,
    }


class Duplicate(Problem):
    def __init__(self, field: str | None = None):
        super().__init__(409, "This action is already in that list (same context and action).")
        self.field = field


def create_link(model, customer_id: int, values: dict):
    """Add a link; without a priority it goes to the end of its list. 409 on a duplicate."""
    link = model(customer_id=customer_id, **{k: v for k, v in values.items() if k != "priority"})
    lock_context(model, customer_id, link.context_key)
    exists = db.session.scalar(select(func.count()).select_from(model).where(
        model.customer_id == customer_id, model.context_key == link.context_key,
        model.action_id == link.action_id))
    if exists:
        raise Duplicate()
    priority = values.get("priority")
    link.priority = next_priority(model, customer_id, link.context_key) if priority is None else priority
    db.session.add(link)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Duplicate() from None
    return link


def delete_link(link) -> None:
    lock_context(type(link), link.customer_id, link.context_key)
    db.session.delete(link)
    db.session.flush()


def total_wait_seconds(customer_id: int, hook_name: str, channel_id: int | None) -> int:
    """Sum of the active Wait actions on this hook for the channel and for every channel."""
    channel_match = HookAction.channel_id.is_(None)
    if channel_id is not None:
        channel_match = or_(channel_match, HookAction.channel_id == channel_id)
    total = db.session.scalar(
        select(func.coalesce(func.sum(Action.wait_seconds), 0))
        .select_from(HookAction)
        .join(Action, (Action.id == HookAction.action_id) & (Action.customer_id == HookAction.customer_id))
        .where(HookAction.customer_id == customer_id, HookAction.hook_name == hook_name, channel_match,
               Action.action_type == "Wait", Action.is_active.is_(True))
    )
    return int(total or 0)


def representative_time_zone() -> str | None:
    """The signed-in representative's time zone: the default schedule time zone."""
    from app.auth.models import Representative
    from app.auth.policies import current_principal

    principal = current_principal()
    if principal is None or principal.representative_id is None:
        return None
    rep = db.session.get(Representative, principal.representative_id)
    return rep.time_zone if rep is not None else None
