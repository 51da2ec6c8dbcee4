"""ApiKeyReadDTO (the list) and ApiKeyCreatedDTO (the answer of POST, the only one with the key)."""
from app.api_keys.scopes import SCOPES
from app.dtos import Dto, from_context, iso_of
from app.openapi import INTEGER, STRING, TIMESTAMP, nullable

_FIELDS = {
    "apiKeyID": (INTEGER, "id"),
    "name": (STRING, "name"),
    "scopes": ({"type": "array", "items": {"type": "string", "enum": list(SCOPES)}}, "scope_list"),
    "keyPreview": ({"type": "string", "description": "The key's first eight and last four characters"}, "display"),
    "createdAt": (TIMESTAMP, iso_of("created_at")),
    "lastUsedAt": (nullable(TIMESTAMP), iso_of("last_used_at")),
    "expiresAt": (nullable(TIMESTAMP), iso_of("expires_at")),
}
API_KEY = Dto("ApiKeyReadDTO", _FIELDS)
API_KEY_CREATED = Dto("ApiKeyCreatedDTO", {
    **_FIELDS,
    "key": ({"type": "string", "description": "The key itself, shown this once: send it as "
                                              "`Authorization: Bearer <key>`"}, from_context("key")),
})
