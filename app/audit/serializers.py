"""AuditEventReadDTO: who, when, what, and the changes under the DTO's field names."""
from app.audit.models import AuditEvent
from app.dtos import Dto, iso_of
from app.openapi import BOOLEAN, INTEGER, STRING, TIMESTAMP, nullable

ACTOR_ID = {"type": ["integer", "string", "null"]}
NUMERIC_ACTORS = ("Representative", "ApiKey", "PhoneChannel")


def _actor(event: AuditEvent) -> dict:
    ident = event.actor_id
    if ident is not None and event.actor_type in NUMERIC_ACTORS and ident.isdigit():
        ident = int(ident)
    return {"type": event.actor_type, "id": ident, "name": event.actor_name}


AUDIT_EVENT = Dto("AuditEventReadDTO", {
    "auditEventID": (INTEGER, "id"),
    "occurredAt": (TIMESTAMP, iso_of("occurred_at")),
    "actor": ({"type": "object", "required": ["type", "id", "name"], "additionalProperties": False,
               "properties": {"type": STRING, "id": ACTOR_ID, "name": nullable(STRING)}}, _actor),
    "action": (STRING, "action"),
    "entityType": (STRING, "entity_type"),
    "entityId": (nullable(INTEGER), "entity_id"),
    "entityLabel": (nullable(STRING), "entity_label"),
    "changes": ({"type": "object", "description": '{"field": {"from": old, "to": new}}; a secret reads "set", '
                                                  '"changed" or "cleared", never its value.'}, "changes"),
    "revertible": (BOOLEAN, lambda e: e.revertible and e.reverted_by_event_id is None),
})
