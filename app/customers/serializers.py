"""Customer <-> DTO: field names on the wire, and what a reader may see (never a secret)."""
from app.catalog.models import CAPABILITIES
from app.customers.forms import CustomerUpdateForm
from app.customers.models import FIELDS, SECRET_FIELDS, Customer  # FIELDS is also read from here
from app.jsonforms import json_schema
from app.openapi import dto
from app.timeutil import iso

# What GET /me shows besides the settings; a PUT may echo them back unchanged.
READ_ONLY = ("customerID", "name", "subscriptionLevel", "configuredSecrets")

# What a phone channel's device gets from GET /api/Customers/my-secrets: the providers a call uses.
PHONE_SECRETS = ("twilioAuthToken", "openAIApiKey", "googleMapsApiKey")
PHONE_SETTINGS = ("twilioAccountSID", "twilioRegion", "openAIProjectId", "googleCloudProjectIds")


def settings_values(customer: Customer) -> dict:
    """The stored non-secret settings, keyed by DTO name."""
    return {dto: getattr(customer, attr) for dto, attr in FIELDS.items()}


def configured_secrets(customer: Customer) -> list[str]:
    present = {s.name for s in customer.secrets}
    return [name for name in SECRET_FIELDS if name in present]


def customer_read_dto(customer: Customer) -> dict:
    return {
        "customerID": customer.id,
        "name": customer.name,
        "subscriptionLevel": customer.subscription_level,
        **settings_values(customer),
        **{name: None for name in SECRET_FIELDS},
        "configuredSecrets": configured_secrets(customer),
    }


def read_only_values(customer: Customer) -> dict:
    return {
        "customerID": customer.id,
        "name": customer.name,
        "subscriptionLevel": customer.subscription_level,
    }


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
    values = {name: (s.value if (s := customer.secret(name)) else None) for name in PHONE_SECRETS}
    return {
        "customerID": customer.id,
        "channelID": channel_id,
        **{dto: getattr(customer, FIELDS[dto]) for dto in PHONE_SETTINGS},
        **values,
    }


def _response_schemas() -> tuple[dict, dict, dict]:
    """Response DTO schemas; the settings' types come from the form that validates them."""
    settings = json_schema(CustomerUpdateForm, partial=True)["properties"]
    text, number = {"type": ["string", "null"]}, {"type": ["integer", "null"]}
    customer = dto("CustomerReadDTO", {
        "customerID": {"type": "integer"}, "name": {"type": "string"}, "subscriptionLevel": {"type": "integer"},
        **{name: settings[name] for name in FIELDS},
        **{name: {"type": "null", "description": "Write-only: never returned"} for name in SECRET_FIELDS},
        "configuredSecrets": {"type": "array", "items": {"enum": list(SECRET_FIELDS)}},
    })
    model = dto("CustomerModelDTO", {
        "modelID": {"type": "integer"}, "customerID": number, "purpose": text,
        "modelName": {"type": "string"}, "apiModelName": {"type": "string"},
        **{name: {"type": "boolean"} for name in CAPABILITIES},
        "requiredSubscriptionLevel": {"type": "integer"}, "isGlobal": {"type": "boolean"},
        "isDefault": {"type": "boolean"}, "showInPrimaryList": {"type": "boolean"},
        "compatibleUsages": {"type": "array", "items": {"type": "string"}},
        "isActive": {"type": "boolean"}, "isFineTuned": {"type": "boolean"},
    })
    phone = dto("PhoneSecretsDTO", {
        "customerID": {"type": "integer"}, "channelID": {"type": "integer"},
        **{name: text for name in (*PHONE_SETTINGS, *PHONE_SECRETS)},
    })
    return customer, model, phone


CUSTOMER_SCHEMA, MODEL_SCHEMA, PHONE_SECRETS_SCHEMA = _response_schemas()
