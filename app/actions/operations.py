"""Writes for actions and their links. They take the tenant and the actor, only flush, and raise
domain errors; the request, command or job commits once."""
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.actions.models import CUSTOM_FIELD, Action, CustomFieldDefinition, HookAction, TopicAction
from app.actions.ordering import StaleList, apply_order, context_of, lock_context, member_ids, members, next_priority
from app.actions.serializers import ACTION_FIELDS, HOOK_ACTION, SECRET_ATTRS, TOPIC_ACTION, action_values
from app.actors import Actor
from app.audit.recorder import EntityKind, audited, diff, rebuild, record_event, register, restore_attributes
from app.db_conflicts import conflict_from
from app.domain_errors import Conflict, NotFound, StillReferenced
from app.extensions import db
from app.tenancy import ensure_owned
from app.versions import check_if_match, list_etag

# ---- Audit ---------------------------------------------------------------------------------

def _action_snapshot(action: Action) -> dict:
    return {
        **action_values(action), **{dto: getattr(action, attr) for dto, attr in SECRET_ATTRS.items()},
        "customFieldDefinitions": [CUSTOM_FIELD.values(f, ("name", "label", "fieldType", "isRequired", "defaultValue",
                                                           "sortOrder")) for f in action.custom_field_definitions],
    }


_CUSTOM_FIELD_ATTRS = {"name": "name", "label": "label", "fieldType": "field_type", "isRequired": "is_required",
                       "defaultValue": "default_value", "sortOrder": "sort_order"}


def _restore_action(action: Action, values: dict) -> None:
    restore_attributes(ACTION_FIELDS)(action, values)
    if "customFieldDefinitions" in values:
        if action.id is None:
            db.session.add(action)
            db.session.flush()
        action.custom_field_definitions[:] = [
            CustomFieldDefinition(customer_id=action.customer_id, action_id=action.id,
                                  **{attr: field[dto] for dto, attr in _CUSTOM_FIELD_ATTRS.items() if dto in field})
            for field in values["customFieldDefinitions"]]


_LINK_ATTRS = {"topicID": "topic_id", "specialTopic": "special_topic", "channelID": "channel_id",
               "specialChannel": "special_channel", "documentID": "document_id", "actionID": "action_id",
               "priority": "priority", "hookName": "hook_name"}


def _rebuild_link(model):
    """A deleted link comes back where its action and context still exist (else the database refuses: a 409)."""

    def build(customer_id: int, entity_id: int, values: dict):
        link = model(id=entity_id, customer_id=customer_id,
                     **{_LINK_ATTRS[name]: value for name, value in values.items() if name in _LINK_ATTRS})
        lock_context(model, customer_id, link.context_key)
        db.session.add(link)
        db.session.flush()
        return link

    return build


register(Action, EntityKind("Action", lambda a: a.name, _action_snapshot, secrets=tuple(SECRET_ATTRS),
                            restore=_restore_action, build=rebuild(Action, _restore_action)))
register(TopicAction, EntityKind(
    "TopicAction", lambda link: f"{link.action.name if link.action else 'Action'} in {describe_topic_context(link)}",
    lambda link: TOPIC_ACTION.values(link, ("topicID", "specialTopic", "channelID", "specialChannel", "documentID",
                                            "actionID", "priority")),
    restore=restore_attributes({"priority": "priority"}), build=_rebuild_link(TopicAction),
    context=lambda link: link.context_key))
register(HookAction, EntityKind(
    "HookAction", lambda link: f"{link.action.name if link.action else 'Action'} on {describe_hook_context(link)}",
    lambda link: HOOK_ACTION.values(link, ("hookName", "channelID", "documentID", "actionID", "priority")),
    restore=restore_attributes({"priority": "priority"}), build=_rebuild_link(HookAction),
    context=lambda link: link.context_key))
ENTITY_TYPES = {TopicAction: "TopicAction", HookAction: "HookAction"}


# ---- Actions ------------------------------------------------------------------------------

def _blank_to_none(value):
    return None if isinstance(value, str) and not value.strip() else value


def _apply(action: Action, values: dict, secrets: dict, default_time_zone: str | None) -> None:
    """Copy validated values (DTO names, e.g. a form's data) onto the action.

    `secrets` holds only the write-only secrets the caller means to change: "" clears, any
    other value replaces; a secret that is not in it keeps its stored value.
    """
    for dto, attr in ACTION_FIELDS.items():
        value = values[dto]
        if dto in ("isActive", "isFunctionTool"):
            value = bool(value)
        setattr(action, attr, _blank_to_none(value))
    if not action.action_schedule_time_zone_id:
        action.action_schedule_time_zone_id = default_time_zone
    for dto, value in secrets.items():
        setattr(action, SECRET_ATTRS[dto], value or None)


def create_action(customer_id: int, actor: Actor, values: dict, secrets: dict,
                  default_time_zone: str | None) -> Action:
    action = Action(customer_id=customer_id)
    with audited(customer_id, actor, "Create", action):
        _apply(action, values, secrets, default_time_zone)
        db.session.add(action)
        db.session.flush()
    return action


def update_action(customer_id: int, actor: Actor, action: Action, values: dict, secrets: dict,
                  default_time_zone: str | None) -> None:
    with audited(customer_id, actor, "Update", ensure_owned(action, customer_id)):
        _apply(action, values, secrets, default_time_zone)
        db.session.flush()


def set_action_active(customer_id: int, actor: Actor, action: Action, active: bool) -> None:
    with audited(customer_id, actor, "Update", ensure_owned(action, customer_id)):
        action.is_active = active
        db.session.flush()


def add_custom_field(customer_id: int, actor: Actor, action: Action, **attributes) -> CustomFieldDefinition:
    """A field the action asks for when it runs (model attribute names: name, label, field_type...)."""
    with audited(customer_id, actor, "Update", ensure_owned(action, customer_id)):
        field = CustomFieldDefinition(customer_id=customer_id, action_id=action.id, **attributes)
        action.custom_field_definitions.append(field)
        db.session.flush()
    return field


def linked_lists(action: Action) -> list[tuple[str, TopicAction | HookAction]]:
    """Every link of an action, as ("topic" | "hook", link)."""
    topic_links = db.session.scalars(select(TopicAction).where(
        TopicAction.customer_id == action.customer_id, TopicAction.action_id == action.id))
    hook_links = db.session.scalars(select(HookAction).where(
        HookAction.customer_id == action.customer_id, HookAction.action_id == action.id))
    return [("topic", link) for link in topic_links] + [("hook", link) for link in hook_links]


def describe_link(kind: str, link) -> str:
    return describe_topic_context(link) if kind == "topic" else describe_hook_context(link)


def action_links(action: Action) -> list[str]:
    """Human names of the lists an action is linked into (for the 409 on delete)."""
    return [f"{'TopicAction' if kind == 'topic' else 'HookAction'} {link.id} ({describe_link(kind, link)})"
            for kind, link in linked_lists(action)]


def delete_action(customer_id: int, actor: Actor, action: Action) -> None:
    ensure_owned(action, customer_id)
    links = action_links(action)
    if links:
        raise StillReferenced(
            f"This action is still linked ({len(links)}): {'; '.join(links)}. "
            "Remove the links first, or deactivate the action instead (isActive=false).",
            links=links,
        )
    with audited(customer_id, actor, "Delete", action):
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


class Duplicate(Conflict):
    def __init__(self):
        super().__init__("This action is already in that list (same context and action).")


def create_link(customer_id: int, actor: Actor, model, values: dict):
    """Add a link; without a priority it goes to the end of its list. Duplicate when it is there."""
    link = model(customer_id=customer_id, **{k: v for k, v in values.items() if k != "priority"})
    lock_context(model, customer_id, link.context_key)
    if _link_exists(model, customer_id, link.context_key, link.action_id):
        raise Duplicate()
    priority = values.get("priority")
    link.priority = next_priority(model, customer_id, link.context_key) if priority is None else priority
    with audited(customer_id, actor, "Create", link):
        try:
            with db.session.begin_nested():  # on failure the link leaves the session with the savepoint
                db.session.add(link)
                db.session.flush()
        except IntegrityError as exc:  # a concurrent add of the same link, or its action deleted meanwhile
            if _link_exists(model, customer_id, link.context_key, link.action_id):
                raise Duplicate() from None
            raise conflict_from(exc) from exc
    return link


def _link_exists(model, customer_id: int, context_key: str, action_id: int) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(model).where(
        model.customer_id == customer_id, model.context_key == context_key, model.action_id == action_id)))


def create_links(customer_id: int, actor: Actor, model, values: list[dict]) -> list:
    """All or nothing: a duplicate (also within the batch) names its index; nothing is created."""
    created = []
    for index, item in enumerate(values):
        try:
            created.append(create_link(customer_id, actor, model, item))
        except Duplicate:
            raise Conflict(f"Item [{index}]: this action is already in that list; nothing was created.",
                           index=index) from None
    return created


def set_link_priority(customer_id: int, actor: Actor, link, priority: int) -> None:
    ensure_owned(link, customer_id)
    lock_context(type(link), customer_id, link.context_key)
    with audited(customer_id, actor, "Update", link):
        link.priority = priority
        db.session.flush()


def delete_link(customer_id: int, actor: Actor, link) -> None:
    ensure_owned(link, customer_id)
    lock_context(type(link), customer_id, link.context_key)
    with audited(customer_id, actor, "Delete", link):
        db.session.delete(link)
        db.session.flush()


STALE_VERSION = ("This list was changed meanwhile: If-Match names an older version of it. "
                 "Nothing was saved; currentOrder holds the list as it is now, ETag its version.")


def reorder_links(customer_id: int, actor: Actor, model, ids: list[int], context_key: str | None = None,
                  if_match: str | None = None) -> str:
    """Make `ids` (the complete list, new order) the execution order; return the context key.

    `context_key` may name the list explicitly (the dashboard knows which list it shows); the
    API derives it from the ids. `if_match`: the list version the caller saw (app/versions.py),
    checked under the list lock: PreconditionFailed when the list has moved on since. StaleList
    when the members differ.
    """
    key = context_key or context_of(model, customer_id, ids)
    if key is None:
        raise NotFound("None of these links exists.")
    lock_context(model, customer_id, key)
    current = member_ids(model, customer_id, key)
    if if_match is not None:
        check_if_match(list_etag(members(model, customer_id, key)), if_match, lambda: {"currentOrder": current},
                       STALE_VERSION)
    if len(ids) != len(current) or set(ids) != set(current):
        raise StaleList(current)
    apply_order(model, customer_id, ids)
    if ids != current:
        record_order_change(customer_id, actor, "Reorder", model, key, current, ids)
    return key


def record_order_change(customer_id: int, actor: Actor, action: str, model, key: str, before: list[int],
                        after: list[int]):
    return record_event(customer_id, actor, action, ENTITY_TYPES[model], None, _list_label(model, customer_id, key),
                        diff({"order": before}, {"order": after}), snapshot={"contextKey": key, "order": before},
                        context_key=key)


def _list_label(model, customer_id: int, key: str) -> str:
    first = db.session.scalars(select(model).where(model.customer_id == customer_id, model.context_key == key)
                               .limit(1)).first()
    return (describe_hook_context(first) if model is HookAction else describe_topic_context(first)) if first else key


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
