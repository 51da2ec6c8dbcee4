"""RepresentativeReadDTO, and the answer of POST /api/Representatives (with the one-time password)."""
from app.dtos import Dto, from_context, iso_of, optional
from app.openapi import BOOLEAN, INTEGER, STRING, TIMESTAMP, nullable

_FIELDS = {
    "representativeID": (INTEGER, "id"),
    "email": (STRING, "email"),
    "name": (nullable(STRING), "name"),
    "role": ({"type": "string", "enum": ["Admin", "Agent"]}, "role"),
    "timeZone": (STRING, "time_zone"),
    "isActive": (BOOLEAN, "is_active"),
    "lastLoginAt": (nullable(TIMESTAMP), iso_of("last_login_at")),
}
REPRESENTATIVE = Dto("RepresentativeReadDTO", _FIELDS)
REPRESENTATIVE_CREATED = Dto("RepresentativeCreatedDTO", {
    **_FIELDS,
    "initialPassword": optional(STRING, from_context("initial_password")),
}, description="RepresentativeReadDTO; initialPassword only when none was sent: shown this once, stored hashed.")
