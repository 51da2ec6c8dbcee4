"""DTOs of merging and duplicate suggestions (declared once, app.dtos)."""
from app.dtos import Dto, from_context
from app.end_users.merge_forms import SIDES
from app.end_users.serializers import END_USER
from app.openapi import BOOLEAN, STRING, nullable

MERGE_FIELD = Dto("EndUserMergeFieldDTO", {
    "field": (STRING, lambda row: row["field"]),
    "targetValue": (nullable(STRING), lambda row: row["targetValue"]),
    "sourceValue": (nullable(STRING), lambda row: row["sourceValue"]),
    "winner": ({"type": "string", "enum": list(SIDES)}, lambda row: row["winner"]),
    "conflict": (BOOLEAN, lambda row: row["conflict"]),
})

# dump(fields, target=<EndUserReadDTO>, source=<EndUserReadDTO>)
MERGE_PREVIEW = Dto("EndUserMergePreviewDTO", {
    "target": (END_USER.schema, from_context("target")),
    "source": (END_USER.schema, from_context("source")),
    "fields": MERGE_FIELD.many(lambda fields: fields),
})

# dump(suggestion, endUser=<EndUserReadDTO>)
DUPLICATE = Dto("EndUserDuplicateDTO", {
    "endUser": (END_USER.schema, from_context("endUser")),
    "reason": (STRING, "reason"),
    "score": ({"type": "number", "minimum": 0, "maximum": 1}, "score"),
})

DUPLICATE_LIST = {"type": "object", "required": ["items"], "additionalProperties": False,
                  "properties": {"items": {"type": "array", "items": DUPLICATE.schema}}}
