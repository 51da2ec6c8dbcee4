"""DTO <-> model: the camelCase wire names of actions and links, in one table."""
from app.actions.forms import API_METHODS, AUTH_TYPES, SECRET_FIELDS
from app.actions.models import ACTION_TYPES, HOOK_NAMES, Action, HookAction, TopicAction
from app.openapi import BOOLEAN, INTEGER, STRING, dto, nullable

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


def action_values(action: Action) -> dict:
    """The stored values under their DTO names: the base a partial update starts from."""
    return {dto: getattr(action, attr) for dto, attr in ACTION_FIELDS.items()}


def action_dto(action: Action, with_custom_fields: bool = True) -> dict:
    body = {"actionID": action.id, "customerID": action.customer_id, **action_values(action)}
    for name in SECRET_FIELDS:
        body[name] = None  # write-only
    body["configuredSecrets"] = [dto for dto, attr in SECRET_ATTRS.items() if getattr(action, attr)]
    if with_custom_fields:
        body["customFieldDefinitions"] = [d.to_dto() for d in action.custom_field_definitions]
    return body


def action_available_dto(action: Action) -> dict:
    return {
        "actionID": action.id,
        "customerID": action.customer_id,
        "name": action.name,
        "description": action.description,
        "actionType": action.action_type,
        "isActive": action.is_active,
    }


def _action_summary(link) -> dict:
    action = link.action
    return {
        "actionName": action.name if action else None,
        "actionType": action.action_type if action else None,
        "isActive": action.is_active if action else None,
    }


def topic_action_dto(link: TopicAction) -> dict:
    return {
        "topicActionID": link.id,
        "customerID": link.customer_id,
        "topicID": link.topic_id,
        "topicName": link.topic.name if link.topic else None,
        "specialTopic": link.special_topic,
        "documentID": link.document_id,
        "channelID": link.channel_id,
        "channelName": link.channel.name if link.channel else None,
        "specialChannel": link.special_channel,
        "actionID": link.action_id,
        **_action_summary(link),
        "priority": link.priority,
    }


def hook_action_dto(link: HookAction) -> dict:
    return {
        "hookActionID": link.id,
        "customerID": link.customer_id,
        "hookName": link.hook_name,
        "channelID": link.channel_id,
        "channelName": link.channel.name if link.channel else None,
        "documentID": link.document_id,
        "actionID": link.action_id,
        **_action_summary(link),
        "waitSeconds": link.action.wait_seconds if link.action and link.action.action_type == "Wait" else None,
        "priority": link.priority,
    }


# ---- Response schemas for the OpenAPI document (the shapes the functions above return) ----------

_TEXT, _INT = nullable(STRING), nullable(INTEGER)
_ACTION_VALUES = {
    **{name: _TEXT for name in ACTION_FIELDS},
    "name": STRING,
    "actionType": {"type": "string", "enum": list(ACTION_TYPES)},
    "isActive": BOOLEAN,
    "apiMethod": {"type": ["string", "null"], "enum": [*API_METHODS, None]},
    "overrideApiAuthenticationType": {"type": ["string", "null"], "enum": [*AUTH_TYPES, None]},
    "waitSeconds": _INT,
    "isFunctionTool": BOOLEAN,
    "toolCallTimeoutSeconds": _INT,
}
CUSTOM_FIELD_SCHEMA = dto("CustomFieldDefinitionDTO", {
    "customFieldDefinitionID": INTEGER, "actionID": INTEGER, "name": STRING, "label": _TEXT,
    "fieldType": STRING, "isRequired": BOOLEAN, "defaultValue": _TEXT, "sortOrder": INTEGER,
})
_ACTION_BASE = {
    "actionID": INTEGER, "customerID": INTEGER, **_ACTION_VALUES,
    **{name: {"type": "null", "description": "Write-only: always null."} for name in SECRET_FIELDS},
    "configuredSecrets": {"type": "array", "items": {"type": "string", "enum": list(SECRET_ATTRS)}},
}
ACTION_LIST_ITEM_SCHEMA = dto("ActionListItemDTO", _ACTION_BASE)
ACTION_SCHEMA = dto("ActionReadDTO", {**_ACTION_BASE, "customFieldDefinitions": {"type": "array", "items": CUSTOM_FIELD_SCHEMA}})
ACTION_AVAILABLE_SCHEMA = dto("ActionAvailableDTO", {
    "actionID": INTEGER, "customerID": INTEGER, "name": STRING, "description": _TEXT,
    "actionType": {"type": "string", "enum": list(ACTION_TYPES)}, "isActive": BOOLEAN,
})
_SUMMARY = {"actionName": _TEXT, "actionType": _TEXT, "isActive": nullable(BOOLEAN)}
TOPIC_ACTION_SCHEMA = dto("TopicActionReadDTO", {
    "topicActionID": INTEGER, "customerID": INTEGER, "topicID": _INT, "topicName": _TEXT, "specialTopic": _TEXT,
    "documentID": _INT, "channelID": _INT, "channelName": _TEXT, "specialChannel": _TEXT, "actionID": INTEGER,
    **_SUMMARY, "priority": INTEGER,
})
HOOK_ACTION_SCHEMA = dto("HookActionReadDTO", {
    "hookActionID": INTEGER, "customerID": INTEGER, "hookName": {"type": "string", "enum": list(HOOK_NAMES)},
    "channelID": _INT, "channelName": _TEXT, "documentID": _INT, "actionID": INTEGER,
    **_SUMMARY, "waitSeconds": _INT, "priority": INTEGER,
})
