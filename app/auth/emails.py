"""The one rule for a representative's e-mail address: the CLI, create_representative and login.

email-validator's syntax check without a DNS lookup, keeping its default refusal of special-use
domains (.test, .local, .invalid ...): whatever the command line accepts can sign in, and whatever
login refuses cannot be created. The stored form is email-validator's normalised address
(NFC, domain as U-label), lower-cased, as logins compare it.
"""
from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError

MAX_LENGTH = 254


class InvalidEmail(ValueError):
    """Not an address a representative can have; the message says why."""


def normalize_email(raw: str) -> str:
    """The stored form of a representative's e-mail address, or InvalidEmail."""
    value = (raw or "").strip()
    if len(value) > MAX_LENGTH:  # no address is longer; and checking a huge one costs
        raise InvalidEmail(f"Not a valid e-mail address: longer than {MAX_LENGTH} characters.")
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidEmail(f"Not a valid e-mail address: {value} ({exc})") from None


def account_key(raw: str) -> str:
    """The address as login compares it; an invalid one only trimmed and lower-cased."""
    try:
        return normalize_email(raw)
    except InvalidEmail:
        return (raw or "").strip().lower()


def representative_email(form, field):
    """WTForms validator for the rule above; the field then holds the normalised address."""
    if not field.data:
        return
    try:
        field.data = normalize_email(field.data)
    except InvalidEmail as exc:
        raise ValidationError(str(exc)) from None
