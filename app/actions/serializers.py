"""DTO <-> model: the camelCase wire names of actions and links, in one table.

Each response DTO is declared once (app.dtos): the schema in the OpenAPI document and the body
a view returns come from the same declaration. The *_SCHEMA names and *_dto functions are its.
"""
from app.actions.forms import API_METHODS, AUTH_TYPES, SECRET_FIELDS
from app.actions.models import ACTION_TYPES, CUSTOM_FIELD, HOOK_NAMES, Action, HookAction, TopicAction
from app.dtos import Dto, const
from app.openapi import BOOLEAN, INTEGER, STRING, nullable
from app.versions import etag_of, secret_digest

# DTO field -> Action attribute (the secrets are write-only and handled apart).
ACTION_FIELDS = {
    "name": "name",
    "description": "description",
    "actionType": "action_type",
    "isActive": "is_active",
    "apiEndpoint": "api_endpoint",
    "apiMethod": "api_method",
    "apiHeaders": "api_headers",
    "apiBodyTemplate": "api_body_template",
    "fieldMapping": "field_mapping",
    "responseFieldMapping": "response_field_mapping",
    "overrideApiBaseUrl": "override_api_base_url",
    "overrideApiUsername": "override_api_username",
    "overrideApiAuthenticationType": "override_api_authentication_type",
    "conditionalRules": "conditional_rules",
    "forwardRecipients": "forward_recipients",
    "forwardPhoneNumber": "forward_phone_number",
    "waitSeconds": "wait_seconds",
    "actionSchedule": "action_schedule",
    "actionScheduleTimeZoneId": "action_schedule_time_zone_id",
    "isFunctionTool": "is_function_tool",
    "functionParametersSchema": "function_parameters_schema",
    "toolCallTimeoutSeconds": "tool_call_timeout_seconds",
}
SECRET_ATTRS = {"overrideApiPassword": "override_api_password", "overrideApiToken": "override_api_token"}

_TEXT, _INT = nullable(STRING), nullable(INTEGER)
# The schema of each ACTION_FIELDS value (text unless said otherwise).
_VALUE_SCHEMAS = {name: _TEXT for name in ACTION_FIELDS} | {
    "name": STRING,
    "actionType": {"type": "string", "enum": list(ACTION_TYPES)},
    "isActive": BOOLEAN,
    "apiMethod": {"type": ["string", "null"], "enum": [*API_METHODS, None]},
    "overrideApiAuthenticationType": {"type": ["string", "null"], "enum": [*AUTH_TYPES, None]},
    "waitSeconds": _INT,
    "isFunctionTool": BOOLEAN,
    "toolCallTimeoutSeconds": _INT,
}


def configured_secrets(action: Action) -> list[str]:
    """The write-only secrets this action has, by DTO name."""
    return [dto for dto, attr in SECRET_ATTRS.items() if getattr(action, attr)]


ACTION_LIST_ITEM = Dto("ActionListItemDTO", {
    "actionID": (INTEGER, "id"),
    "customerID": (INTEGER, "customer_id"),
    **{name: (_VALUE_SCHEMAS[name], attr) for name, attr in ACTION_FIELDS.items()},
    **{name: ({"type": "null", "description": "Write-only: always null."}, const(None)) for name in SECRET_FIELDS},
    "configuredSecrets": (
        {"type": "array", "items": {"type": "string", "enum": list(SECRET_ATTRS)}}, configured_secrets),
})
ACTION = Dto("ActionReadDTO", {
    **ACTION_LIST_ITEM.fields,
    "customFieldDefinitions": CUSTOM_FIELD.many("custom_field_definitions"),
})
ACTION_AVAILABLE = Dto("ActionAvailableDTO", {
    name: ACTION_LIST_ITEM.fields[name]
    for name in ("actionID", "customerID", "name", "description", "actionType", "isActive")
})

# What a link shows of its action (null if the action is gone).
_ACTION_SUMMARY = {
    "actionName": (_TEXT, "action.name"),
    "actionType": (_TEXT, "action.action_type"),
    "isActive": (nullable(BOOLEAN), "action.is_active"),
}


def _wait_seconds(link: HookAction) -> int | None:
    action = link.action
    return action.wait_seconds if action and action.action_type == "Wait" else None


TOPIC_ACTION = Dto("TopicActionReadDTO", {
    "topicActionID": (INTEGER, "id"),
    "customerID": (INTEGER, "customer_id"),
    "topicID": (_INT, "topic_id"),
    "topicName": (_TEXT, "topic.name"),
    "specialTopic": (_TEXT, "special_topic"),
    "documentID": (_INT, "document_id"),
    "channelID": (_INT, "channel_id"),
    "channelName": (_TEXT, "channel.name"),
    "specialChannel": (_TEXT, "special_channel"),
    "actionID": (INTEGER, "action_id"),
    **_ACTION_SUMMARY,
    "priority": (INTEGER, "priority"),
})
HOOK_ACTION = Dto("HookActionReadDTO", {
    "hookActionID": (INTEGER, "id"),
    "customerID": (INTEGER, "customer_id"),
    "hookName": ({"type": "string", "enum": list(HOOK_NAMES)}, "hook_name"),
    "channelID": (_INT, "channel_id"),
    "channelName": (_TEXT, "channel.name"),
    "documentID": (_INT, "document_id"),
    "actionID": (INTEGER, "action_id"),
    **_ACTION_SUMMARY,
    "waitSeconds": (_INT, _wait_seconds),
    "priority": (INTEGER, "priority"),
})


def action_values(action: Action) -> dict:
    """The stored values under their DTO names: the base a partial update starts from."""
    return ACTION_LIST_ITEM.values(action, ACTION_FIELDS)


def action_dto(action: Action, with_custom_fields: bool = True) -> dict:
    return (ACTION if with_custom_fields else ACTION_LIST_ITEM).dump(action)


def action_etag(action: Action) -> str:
    """The action's version: its read DTO, plus a keyed digest of each write-only secret (a replaced
    password changes the version; the DTO shows only that it is set)."""
    return etag_of({**ACTION.dump(action),
                    "secrets": {dto: secret_digest(getattr(action, attr)) for dto, attr in SECRET_ATTRS.items()}})


def action_available_dto(action: Action) -> dict:
    return ACTION_AVAILABLE.dump(action)


def topic_action_dto(link: TopicAction) -> dict:
    return TOPIC_ACTION.dump(link)


def hook_action_dto(link: HookAction) -> dict:
    return HOOK_ACTION.dump(link)


CUSTOM_FIELD_SCHEMA = CUSTOM_FIELD.schema
ACTION_LIST_ITEM_SCHEMA = ACTION_LIST_ITEM.schema
ACTION_SCHEMA = ACTION.schema
ACTION_AVAILABLE_SCHEMA = ACTION_AVAILABLE.schema
TOPIC_ACTION_SCHEMA = TOPIC_ACTION.schema
HOOK_ACTION_SCHEMA = HOOK_ACTION.schema
