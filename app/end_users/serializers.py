"""DTOs on the wire: EndUserReadDTO, the UID record and TicketReadDTO (camelCase, ISO 8601 Z)."""
from app.end_users.models import CUSTOMER_TYPES, EndUser, EndUserUID
from app.openapi import BOOLEAN, INTEGER, STRING, TIMESTAMP, dto, nullable
from app.tickets.models import Ticket
from app.timeutil import iso

# DTO name -> model attribute, for the EndUserBaseDTO fields
PROFILE_FIELDS = {
    "firstname": "firstname",
    "lastname": "lastname",
    "gender": "gender",
    "otherContactDetails": "other_contact_details",
    "aiDocumentation": "ai_documentation",
    "customerRef": "customer_ref",
    "customerType": "customer_type",
    "country": "country",
    "lang": "lang",
    "street": "street",
    "houseNumber": "house_number",
    "postalCode": "postal_code",
    "city": "city",
    "company": "company",
}


def sorted_uids(end_user: EndUser) -> list[EndUserUID]:
    return sorted(end_user.uids, key=lambda u: (not u.is_primary, u.id or 0))


def uid_dto(uid: EndUserUID) -> dict:
    return {
        "endUserUIDID": uid.id,
        "endUserID": uid.end_user_id,
        "uidType": uid.uid_type,
        "uid": uid.uid,
        "isPrimary": uid.is_primary,
    }


def profile(end_user: EndUser) -> dict:
    """The EndUserBaseDTO fields as stored: also the `base` a partial PUT starts from."""
    return {dto: getattr(end_user, attr) for dto, attr in PROFILE_FIELDS.items()}


def end_user_dto(end_user: EndUser, last_interaction=None) -> dict:
    return {
        "endUserID": end_user.id,
        "customerID": end_user.customer_id,
        "name": end_user.name,
        **profile(end_user),
        "uids": [uid_dto(u) for u in sorted_uids(end_user)],
        "lastInteractionDate": iso(last_interaction),
    }


def ticket_dto(ticket: Ticket, extras: dict) -> dict:
    channel = ticket.channel
    return {
        "ticketID": ticket.id,
        "customerID": ticket.customer_id,
        "channelID": ticket.channel_id,
        "channelName": channel.name if channel else None,
        "channelType": channel.channel_type if channel else None,
        "uid": ticket.uid,
        "customerRef": ticket.customer_ref,
        "subject": ticket.subject,
        "status": ticket.status,
        "customerRepID": ticket.customer_rep_id,
        "isClosed": ticket.is_closed,
        "isSpam": ticket.is_spam,
        "createdDate": iso(ticket.created_date),
        "lastMessageDate": iso(ticket.last_message_date),
        "closedDate": iso(ticket.closed_date),
        "topics": [{"topicID": t.id, "name": t.name} for t in ticket.topics],
        "aiFeedbackComments": extras.get("aiFeedbackComments", []),
        "lastEndUserMessageID": extras.get("lastEndUserMessageID"),
    }


# ---- Response schemas for the OpenAPI document (the shapes the functions above return) ----------

_TEXT = nullable(STRING)
UID_SCHEMA = dto("EndUserUIDDTO", {
    "endUserUIDID": INTEGER, "endUserID": INTEGER, "uidType": STRING, "uid": STRING, "isPrimary": BOOLEAN,
})
END_USER_SCHEMA = dto("EndUserReadDTO", {
    "endUserID": INTEGER, "customerID": INTEGER, "name": STRING,
    **{name: _TEXT for name in PROFILE_FIELDS},
    "customerType": {"type": "string", "enum": list(CUSTOMER_TYPES)},
    "uids": {"type": "array", "items": UID_SCHEMA},
    "lastInteractionDate": nullable(TIMESTAMP),
})
TICKET_SCHEMA = dto("TicketReadDTO", {
    "ticketID": INTEGER, "customerID": INTEGER, "channelID": INTEGER, "channelName": _TEXT,
    "channelType": _TEXT, "uid": _TEXT, "customerRef": _TEXT, "subject": _TEXT, "status": STRING,
    "customerRepID": nullable(INTEGER), "isClosed": BOOLEAN, "isSpam": BOOLEAN, "createdDate": TIMESTAMP,
    "lastMessageDate": nullable(TIMESTAMP), "closedDate": nullable(TIMESTAMP),
    "topics": {"type": "array", "items": dto("TicketTopicDTO", {"topicID": INTEGER, "name": STRING})},
    "aiFeedbackComments": {"type": "array", "items": STRING},
    "lastEndUserMessageID": nullable(INTEGER),
})
ALREADY_ASSIGNED_SCHEMA = dto("EndUserUIDAlreadyAssigned", {"message": STRING, **UID_SCHEMA["properties"]})
