"""Identifier (UID) rules, written once for the API, the dashboard and lookups.

- Email: trimmed, syntax-checked with email_validator and stored in its normalised form (NFC,
  domain lower-cased, an A-label domain as its U-label); matched without regard to case
  (EndUserUID.uid_lookup holds the case-folded value).
- Phone and WhatsApp: normalised to E.164 with phonenumbers; the region for numbers written
  without a country code is the end user's country, else BE.
- Any other type (<= 20 characters): the value is stored trimmed.
"""
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from app.end_users.models import lookup_key, remember_normalised_email

DEFAULT_REGION = "BE"
DEFAULT_TYPE = "Email"
PHONE_TYPES = ("Phone", "WhatsApp")
KNOWN_TYPES = ("Email", "Phone", "WhatsApp")
MAX_TYPE_LENGTH = 20


class InvalidIdentifier(ValueError):
    """The value cannot be an identifier of that type; the message is shown to the caller."""


def region_for(country: str | None) -> str:
    """The phone region for an end user's country code, BE when unknown."""
    code = (country or "").strip().upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else DEFAULT_REGION


def canonical_type(uid_type: str | None) -> str:
    """Trimmed; empty means Email; the known types get their canonical spelling (`whatsapp` -> `WhatsApp`)."""
    value = (uid_type or "").strip()
    if not value:
        return DEFAULT_TYPE
    for known in KNOWN_TYPES:
        if value.lower() == known.lower():
            return known
    if len(value) > MAX_TYPE_LENGTH:
        raise InvalidIdentifier(f"The identifier type must be at most {MAX_TYPE_LENGTH} characters.")
    return value


def normalize_email(raw: str) -> str:
    value = raw.strip()
    try:
        address = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidIdentifier(f"Not a valid e-mail address: {exc}") from None
    if len(address) <= 254:  # lookup_key leaves longer values as they are
        remember_normalised_email(address)
    return address


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of a phone number written in any common format, or None."""
    value = raw.strip()
    if value.lower().startswith("whatsapp:"):  # Twilio's WhatsApp address form
        value = value[len("whatsapp:"):].strip()
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone(raw: str, region: str) -> str:
    number = parse_phone(raw, region)
    if number is None:
        raise InvalidIdentifier(
            f"Not a valid phone number: {raw.strip()!r}. Use international format (+32 470 12 34 56) "
            f"or a national number of {region}."
        )
    return number


def normalize(uid_type: str | None, raw: str | None, country: str | None = None) -> tuple[str, str]:
    """(type, value) as stored; InvalidIdentifier with a readable message otherwise."""
    kind = canonical_type(uid_type)
    value = (raw or "").strip()
    if not value:
        raise InvalidIdentifier("The identifier is required.")
    if kind == "Email":
        return kind, normalize_email(value)
    if kind in PHONE_TYPES:
        return kind, normalize_phone(value, region_for(country))
    return kind, value


def lookup_candidates(raw: str, region: str = DEFAULT_REGION) -> set[str]:
    """The uid_lookup values a typed value can match: itself (an e-mail normalised), and its E.164
    form when it is a phone number."""
    value = (raw or "").strip()
    found = {lookup_key(value)} if value else set()
    phone = parse_phone(value, region) if value else None
    if phone:
        found.add(lookup_key(phone))
    return found
