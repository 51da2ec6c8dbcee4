"""DryRunStepDTO: one step of a dry run, as the API answers it."""
from app.actions.models import ACTION_TYPES, HOOK_NAMES
from app.dtos import Dto
from app.openapi import BOOLEAN, INTEGER, STRING, nullable

_TEXT_LIST = {"type": "array", "items": STRING}
OUTBOUND_REQUEST = {
    "type": "object",
    "description": "The call an ApiCall action would make; nothing is sent, every secret is masked.",
    "properties": {
        "method": STRING,
        "url": STRING,
        "headers": {"type": "object", "additionalProperties": STRING},
        "body": nullable(STRING),
        "authenticationType": STRING,
        "unknownPlaceholders": _TEXT_LIST,
        "templateErrors": _TEXT_LIST,
    },
    "required": ["method", "url", "headers", "body", "authenticationType", "unknownPlaceholders", "templateErrors"],
    "additionalProperties": False,
}
FORWARD = {
    "type": "object",
    "properties": {"recipients": _TEXT_LIST, "phoneNumber": nullable(STRING)},
    "required": ["recipients", "phoneNumber"],
    "additionalProperties": False,
}

DRY_RUN_STEP = Dto("DryRunStepDTO", {
    "hookName": ({"type": ["string", "null"], "enum": [*HOOK_NAMES, None]}, "hook_name"),
    "topicID": (nullable(INTEGER), "topic_id"),
    "topicName": (nullable(STRING), "topic_name"),
    "linkID": (nullable(INTEGER), "link_id"),
    "everyChannel": (BOOLEAN, "every_channel"),
    "actionID": (INTEGER, "action_id"),
    "actionName": (STRING, "action_name"),
    "actionType": ({"type": "string", "enum": list(ACTION_TYPES)}, "action_type"),
    "priority": (nullable(INTEGER), "priority"),
    "waitSeconds": ({"type": "integer", "minimum": 0}, "wait_seconds"),
    "wouldRun": ({"type": ["boolean", "null"],
                  "description": "null: cannot be known before the message arrives (conditionalRules, an unreadable schedule)"},
                 "would_run"),
    "reason": (STRING, "reason"),
    "request": (nullable(OUTBOUND_REQUEST), "request"),
    "forward": (nullable(FORWARD), "forward"),
}, description="One step of a dry run, in run order.")
DRY_RUN_STEP_SCHEMA = DRY_RUN_STEP.schema
