"""Writes on customers. They take the tenant and the actor, only flush, and raise domain errors;
the request, command or job commits once."""
from app.actors import Actor
from app.audit.recorder import EntityKind, audited, diff, record_event, register, restore_attributes
from app.auth.operations import create_representative
from app.customers.models import SECRET_FIELDS, Customer, CustomerSecret
from app.customers.serializers import FIELDS, settings_values
from app.domain_errors import NotFound
from app.extensions import db
from app.timeutil import utcnow


def _snapshot(customer: Customer) -> dict:
    return {**settings_values(customer), **{s.name: s.value for s in customer.secrets}}


register(Customer, EntityKind("Customer", lambda c: c.name, _snapshot, secrets=SECRET_FIELDS,
                              restore=restore_attributes(FIELDS)))


def create_customer(actor: Actor, name: str, admin_email: str, admin_password: str, subscription_level: int = 1,
                    admin_name: str | None = None):
    """A new tenant with its first Admin."""
    customer = Customer(name=name.strip(), subscription_level=subscription_level)
    db.session.add(customer)
    db.session.flush()
    record_event(customer.id, actor, "Create", "Customer", customer.id, customer.name,
                 diff({}, {"name": customer.name, "subscriptionLevel": subscription_level}))
    admin = create_representative(customer.id, actor, admin_email, admin_password, role="Admin", name=admin_name)
    return customer, admin


def delete_customer(actor: Actor, customer: Customer) -> None:
    """The tenant and everything it owns (the database cascades)."""
    db.session.delete(customer)
    db.session.flush()


def update_settings(customer_id: int, actor: Actor, customer: Customer, values: dict, secrets: dict) -> None:
    """Validated settings by DTO name; `secrets` holds only the secrets to change ("" clears)."""
    if customer.id != customer_id:
        raise NotFound()
    with audited(customer_id, actor, "Update", customer):
        for name, value in values.items():
            if name in FIELDS:
                setattr(customer, FIELDS[name], value)
        for name, value in secrets.items():
            _set_secret(customer, name, value)
        db.session.flush()


def _set_secret(customer: Customer, name: str, value: str) -> None:
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
