"""Customer <-> DTO: field names on the wire, and what a reader may see (never a secret).

Each response DTO is declared once (app.dtos); the settings' schemas come from the form that
validates them. The *_SCHEMA names and *_dto functions are the declarations'.
"""
from app.catalog.models import AI_MODEL
from app.customers.forms import CustomerUpdateForm
from app.customers.models import FIELDS, SECRET_FIELDS, Customer  # FIELDS is also read from here
from app.dtos import Dto, const, from_context
from app.jsonforms import json_schema
from app.openapi import INTEGER, STRING, nullable
from app.timeutil import iso
from app.versions import etag_of, secret_digest

# What GET /me shows besides the settings; a PUT may echo them back unchanged.
READ_ONLY = ("customerID", "name", "subscriptionLevel", "configuredSecrets")

# What a phone channel's device gets from GET /api/Customers/my-secrets: the providers a call uses.
PHONE_SECRETS = ("twilioAuthToken", "openAIApiKey", "googleMapsApiKey")
PHONE_SETTINGS = ("twilioAccountSID", "twilioRegion", "openAIProjectId", "googleCloudProjectIds")


def settings_values(customer: Customer) -> dict:
    """The stored non-secret settings, keyed by DTO name."""
    return CUSTOMER.values(customer, FIELDS)


def configured_secrets(customer: Customer) -> list[str]:
    present = {s.name for s in customer.secrets}
    return [name for name in SECRET_FIELDS if name in present]


def _secret_value(name: str):
    return lambda customer: s.value if (s := customer.secret(name)) else None


_SETTINGS = json_schema(CustomerUpdateForm, partial=True)["properties"]

CUSTOMER = Dto("CustomerReadDTO", {
    "customerID": (INTEGER, "id"),
    "name": (STRING, "name"),
    "subscriptionLevel": (INTEGER, "subscription_level"),
    **{name: (_SETTINGS[name], attr) for name, attr in FIELDS.items()},
    **{name: ({"type": "null", "description": "Write-only: never returned"}, const(None)) for name in SECRET_FIELDS},
    "configuredSecrets": ({"type": "array", "items": {"enum": list(SECRET_FIELDS)}}, configured_secrets),
})

PHONE = Dto("PhoneSecretsDTO", {
    "customerID": (INTEGER, "id"),
    "channelID": (INTEGER, from_context("channel_id")),
    **{name: (nullable(STRING), FIELDS[name]) for name in PHONE_SETTINGS},
    **{name: (nullable(STRING), _secret_value(name)) for name in PHONE_SECRETS},
})


def customer_read_dto(customer: Customer) -> dict:
    return CUSTOMER.dump(customer)


def customer_etag(customer: Customer) -> str:
    """The settings' version: the read DTO, plus a keyed digest of each stored secret (a replaced
    secret changes the version; the DTO shows only that it is set)."""
    return etag_of({**CUSTOMER.dump(customer),
                    "secrets": {s.name: secret_digest(s.value) for s in customer.secrets}})


def read_only_values(customer: Customer) -> dict:
    return CUSTOMER.values(customer, ("customerID", "name", "subscriptionLevel"))


def secret_status(customer: Customer, name: str) -> dict:
    """What the settings page may show about a secret: whether it is set, its last four, when."""
    secret = customer.secret(name)
    return {
        "name": name,
        "isSet": secret is not None,
        "lastFour": secret.last_four if secret else "",
        "changedAt": iso(secret.changed_at) if secret else None,
    }


def phone_secrets_dto(customer: Customer, channel_id: int) -> dict:
    return PHONE.dump(customer, channel_id=channel_id)


CUSTOMER_SCHEMA = CUSTOMER.schema
MODEL_SCHEMA = AI_MODEL.schema
PHONE_SECRETS_SCHEMA = PHONE.schema
