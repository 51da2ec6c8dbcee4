from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedText
from app.dtos import Dto
from app.extensions import db
from app.openapi import BOOLEAN, INTEGER, STRING, nullable
from app.tenancy import TenantMixin
from app.tenancy_fk import same_tenant_fk, tenant_key
from app.timeutil import utcnow

ACTION_TYPES = (
    "ApiCall", "Reply", "ReplySend", "Send", "Forward", "Close", "Delete", "Spam",
    "DetectTopics", "Wait",
)
HOOK_NAMES = (
    "PreSpam", "PostSpam", "PostTopicDetection", "OnEscalate", "OnClose", "OnEndUserUpdate",
    "OnEndUserAdd", "OnEndUserDelete", "UserTriggered", "PostEscalate", "OnEscalateFailed",
    "OnPhonePickup", "OnPhonePickupSay",
)
# When each hook runs, in a sentence, for the places a manager chooses one.
HOOK_DESCRIPTIONS = {
    "PreSpam": "A message has arrived, before the spam check.",
    "PostSpam": "The message passed the spam check, before its topics are detected.",
    "PostTopicDetection": "The message's topics are known, before the topics' own actions run.",
    "OnEscalate": "A ticket is being escalated to a person.",
    "PostEscalate": "A ticket was escalated to a person.",
    "OnEscalateFailed": "An escalation could not be handed to anyone.",
    "OnClose": "A ticket is closed.",
    "OnEndUserAdd": "An end user was created.",
    "OnEndUserUpdate": "An end user was changed.",
    "OnEndUserDelete": "An end user was deleted.",
    "UserTriggered": "A representative starts it by hand on a ticket.",
    "OnPhonePickup": "A phone call was answered, before anything is said.",
    "OnPhonePickupSay": "A phone call was answered: what the caller hears first.",
}


class Action(TenantMixin, db.Model):
    """A reusable automation step. When and in which order it runs lives on its links."""

    __tablename__ = "action"
    __table_args__ = (
        tenant_key(),
        Index("ix_action_customer_name", "customer_id", "name"),
        CheckConstraint(
            "tool_call_timeout_seconds IS NULL OR tool_call_timeout_seconds BETWEEN 1 AND 300",
            name="tool_timeout_range",
        ),
        CheckConstraint("wait_seconds IS NULL OR wait_seconds >= 0", name="wait_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(100))
    action_type: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    api_endpoint: Mapped[str | None] = mapped_column(String(1000))
    api_method: Mapped[str | None] = mapped_column(String(10))
    api_headers: Mapped[str | None] = mapped_column(Text)
    api_body_template: Mapped[str | None] = mapped_column(Text)
    field_mapping: Mapped[str | None] = mapped_column(Text)
    response_field_mapping: Mapped[str | None] = mapped_column(Text)

    override_api_base_url: Mapped[str | None] = mapped_column(String(500))
    override_api_username: Mapped[str | None] = mapped_column(String(200))
    override_api_password: Mapped[str | None] = mapped_column(EncryptedText)
    override_api_token: Mapped[str | None] = mapped_column(EncryptedText)
    override_api_authentication_type: Mapped[str | None] = mapped_column(String(20))

    conditional_rules: Mapped[str | None] = mapped_column(Text)
    forward_recipients: Mapped[str | None] = mapped_column(String(1000))
    forward_phone_number: Mapped[str | None] = mapped_column(String(32))
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    action_schedule: Mapped[str | None] = mapped_column(Text)
    action_schedule_time_zone_id: Mapped[str | None] = mapped_column(String(64))

    is_function_tool: Mapped[bool] = mapped_column(Boolean, default=False)
    function_parameters_schema: Mapped[str | None] = mapped_column(Text)
    tool_call_timeout_seconds: Mapped[int | None] = mapped_column(Integer)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    custom_field_definitions: Mapped[list["CustomFieldDefinition"]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CustomFieldDefinition.sort_order",
        primaryjoin="Action.id == foreign(CustomFieldDefinition.action_id)",
    )


class CustomFieldDefinition(TenantMixin, db.Model):
    """A custom field an action asks for when it runs (e.g. an order number)."""

    __tablename__ = "custom_field_definition"
    __table_args__ = (
        same_tenant_fk("action_id", "action", ondelete="CASCADE"),
        UniqueConstraint("action_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(100))
    label: Mapped[str | None] = mapped_column(String(200))
    field_type: Mapped[str] = mapped_column(String(20), default="Text")
    is_required: Mapped[bool] = mapped_column(Boolean, default=False)
    default_value: Mapped[str | None] = mapped_column(String(500))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def to_dto(self) -> dict:
        return CUSTOM_FIELD.dump(self)


CUSTOM_FIELD = Dto("CustomFieldDefinitionDTO", {
    "customFieldDefinitionID": (INTEGER, "id"),
    "actionID": (INTEGER, "action_id"),
    "name": (STRING, "name"),
    "label": (nullable(STRING), "label"),
    "fieldType": (STRING, "field_type"),
    "isRequired": (BOOLEAN, "is_required"),
    "defaultValue": (nullable(STRING), "default_value"),
    "sortOrder": (INTEGER, "sort_order"),
})


class TopicAction(TenantMixin, db.Model):
    """Runs an action for a topic (or special topic), optionally only on one channel.

    context_key names the ordered list the link belongs to; the database keeps an action
    at most once per list (NULLs would slip through a plain multi-column UNIQUE).
    """

    __tablename__ = "topic_action"
    __table_args__ = (
        same_tenant_fk("topic_id", "topic"),
        same_tenant_fk("channel_id", "channel"),
        same_tenant_fk("document_id", "document"),
        same_tenant_fk("action_id", "action"),
        UniqueConstraint("customer_id", "context_key", "action_id"),
        Index("ix_topic_action_context", "customer_id", "context_key", "priority"),
        Index("ix_topic_action_action", "customer_id", "action_id"),
        CheckConstraint(
            "topic_id IS NOT NULL OR special_topic IS NOT NULL", name="topic_or_special"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(Integer)
    special_topic: Mapped[str | None] = mapped_column(String(50))
    channel_id: Mapped[int | None] = mapped_column(Integer)
    special_channel: Mapped[str | None] = mapped_column(String(50))
    document_id: Mapped[int | None] = mapped_column(Integer)
    action_id: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    context_key: Mapped[str] = mapped_column(String(200))

    action = relationship(Action, viewonly=True, primaryjoin="and_(Action.id == foreign(TopicAction.action_id), Action.customer_id == foreign(TopicAction.customer_id))")
    topic = relationship("Topic", viewonly=True, primaryjoin="and_(Topic.id == foreign(TopicAction.topic_id), Topic.customer_id == foreign(TopicAction.customer_id))")
    channel = relationship("Channel", viewonly=True, primaryjoin="and_(Channel.id == foreign(TopicAction.channel_id), Channel.customer_id == foreign(TopicAction.customer_id))")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.context_key = self.context_for(
            self.topic_id, self.special_topic, self.channel_id, self.special_channel
        )

    @staticmethod
    def context_for(topic_id, special_topic, channel_id, special_channel) -> str:
        return f"t:{topic_id or ''}|st:{special_topic or ''}|c:{channel_id or ''}|sc:{special_channel or ''}"


class HookAction(TenantMixin, db.Model):
    """Runs an action on a workflow hook, for one channel or (channel NULL) for every channel."""

    __tablename__ = "hook_action"
    __table_args__ = (
        same_tenant_fk("channel_id", "channel"),
        same_tenant_fk("document_id", "document"),
        same_tenant_fk("action_id", "action"),
        UniqueConstraint("customer_id", "context_key", "action_id"),
        Index("ix_hook_action_context", "customer_id", "context_key", "priority"),
        Index("ix_hook_action_action", "customer_id", "action_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hook_name: Mapped[str] = mapped_column(String(40))
    channel_id: Mapped[int | None] = mapped_column(Integer)
    document_id: Mapped[int | None] = mapped_column(Integer)
    action_id: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    context_key: Mapped[str] = mapped_column(String(200))

    action = relationship(Action, viewonly=True, primaryjoin="and_(Action.id == foreign(HookAction.action_id), Action.customer_id == foreign(HookAction.customer_id))")
    channel = relationship("Channel", viewonly=True, primaryjoin="and_(Channel.id == foreign(HookAction.channel_id), Channel.customer_id == foreign(HookAction.customer_id))")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.context_key = self.context_for(self.hook_name, self.channel_id)

    @staticmethod
    def context_for(hook_name, channel_id) -> str:
        return f"h:{hook_name}|c:{channel_id or ''}"
