"""DTOs on the wire: EndUserReadDTO, the UID record and TicketReadDTO (camelCase, ISO 8601 Z).

Each is declared once (app.dtos): the schema in the OpenAPI document and the body a view
returns come from the same table. The *_SCHEMA names and the *_dto functions are that table's.
"""
from app.dtos import Dto, from_context, iso_of
from app.end_users.models import CUSTOMER_TYPES, EndUser, EndUserUID
from app.openapi import BOOLEAN, INTEGER, STRING, TIMESTAMP, nullable
from app.tickets.models import Ticket
from app.timeutil import iso
from app.versions import etag_of

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
_TEXT = nullable(STRING)
_PROFILE_SCHEMAS = {name: _TEXT for name in PROFILE_FIELDS} | {
    "customerType": {"type": "string", "enum": list(CUSTOMER_TYPES)},
}


def sorted_uids(end_user: EndUser) -> list[EndUserUID]:
    return sorted(end_user.uids, key=lambda u: (not u.is_primary, u.id or 0))


def profile(end_user: EndUser) -> dict:
    """The EndUserBaseDTO fields as stored: also the `base` a partial PUT starts from."""
    return END_USER.values(end_user, PROFILE_FIELDS)


UID = Dto("EndUserUIDDTO", {
    "endUserUIDID": (INTEGER, "id"),
    "endUserID": (INTEGER, "end_user_id"),
    "uidType": (STRING, "uid_type"),
    "uid": (STRING, "uid"),
    "isPrimary": (BOOLEAN, "is_primary"),
})

END_USER = Dto("EndUserReadDTO", {
    "endUserID": (INTEGER, "id"),
    "customerID": (INTEGER, "customer_id"),
    "name": (STRING, "name"),
    **{name: (_PROFILE_SCHEMAS[name], attr) for name, attr in PROFILE_FIELDS.items()},
    "uids": UID.many(sorted_uids),
    "lastInteractionDate": (nullable(TIMESTAMP), from_context("last_interaction", then=iso)),
})

TICKET_TOPIC = Dto("TicketTopicDTO", {"topicID": (INTEGER, "id"), "name": (STRING, "name")})

# The context of TICKET.dump is one entry of queries.ticket_extras(): its keys are DTO names.
TICKET = Dto("TicketReadDTO", {
    "ticketID": (INTEGER, "id"),
    "customerID": (INTEGER, "customer_id"),
    "channelID": (INTEGER, "channel_id"),
    "channelName": (_TEXT, "channel.name"),
    "channelType": (_TEXT, "channel.channel_type"),
    "uid": (_TEXT, "uid"),
    "customerRef": (_TEXT, "customer_ref"),
    "subject": (_TEXT, "subject"),
    "status": (STRING, "status"),
    "customerRepID": (nullable(INTEGER), "customer_rep_id"),
    "isClosed": (BOOLEAN, "is_closed"),
    "isSpam": (BOOLEAN, "is_spam"),
    "createdDate": (TIMESTAMP, iso_of("created_date")),
    "lastMessageDate": (nullable(TIMESTAMP), iso_of("last_message_date")),
    "closedDate": (nullable(TIMESTAMP), iso_of("closed_date")),
    "topics": TICKET_TOPIC.many("topics"),
    "aiFeedbackComments": ({"type": "array", "items": STRING}, from_context("aiFeedbackComments", (), then=list)),
    "lastEndUserMessageID": (nullable(INTEGER), from_context("lastEndUserMessageID")),
})

# The 200 of linking an identifier that is already this end user's: a message and the record.
ALREADY_ASSIGNED = Dto("EndUserUIDAlreadyAssigned", {
    "message": (STRING, from_context("message")),
    **UID.fields,
})


def uid_dto(uid: EndUserUID) -> dict:
    return UID.dump(uid)


def end_user_dto(end_user: EndUser, last_interaction=None) -> dict:
    return END_USER.dump(end_user, last_interaction=last_interaction)


def end_user_etag(end_user: EndUser) -> str:
    """The end user's version: the read DTO with its identifiers. lastInteractionDate is left out:
    it follows the tickets, and a new message does not make an edit of the person stale."""
    return etag_of({name: value for name, value in END_USER.dump(end_user).items() if name != "lastInteractionDate"})


def ticket_dto(ticket: Ticket, extras: dict) -> dict:
    return TICKET.dump(ticket, **extras)


UID_SCHEMA = UID.schema
END_USER_SCHEMA = END_USER.schema
TICKET_SCHEMA = TICKET.schema
ALREADY_ASSIGNED_SCHEMA = ALREADY_ASSIGNED.schema
