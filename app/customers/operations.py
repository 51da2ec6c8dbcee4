"""Writes on customers. Operations flush; the request or command commits once."""
import secrets as _secrets

from app.auth.operations import create_representative
from app.auth.passwords import hash_password
from app.customers.models import SECRET_FIELDS, Customer, CustomerSecret
from app.customers.serializers import FIELDS
from app.extensions import db
from app.timeutil import utcnow


def create_customer(name: str, admin_email: str, admin_password: str, subscription_level: int = 1):
    customer = Customer(name=name.strip(), subscription_level=subscription_level)
    db.session.add(customer)
    db.session.flush()
    admin = create_representative(customer.id, admin_email, admin_password, role="Admin")
    return customer, admin


def update_settings(customer: Customer, form, names) -> None:
    """Copy the validated values of the non-secret fields `names` from `form` to the customer."""
    for name in names:
        if name in FIELDS:
            setattr(customer, FIELDS[name], form[name].data)
    db.session.flush()


def set_secret(customer: Customer, name: str, value: str) -> None:
    """Replace a secret; an empty value clears it."""
    if name not in SECRET_FIELDS:
        raise KeyError(name)
    secret = customer.secret(name)
    if not value:
        if secret is not None:
            customer.secrets.remove(secret)
    elif secret is None:
        customer.secrets.append(CustomerSecret(customer_id=customer.id, name=name, value=value))
    elif secret.value != value:
        secret.value = value
        secret.changed_at = utcnow()
    db.session.flush()


def rotate_channel_secret(channel) -> str:
    """A new phone-login secret: stored hashed, returned once for the admin to copy."""
    plaintext = _secrets.token_urlsafe(32)
    channel.secret_hash = hash_password(plaintext)
    channel.secret_rotated_at = utcnow()
    db.session.flush()
    return plaintext
