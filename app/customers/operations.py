"""Writes on customers. Operations flush; the request or command commits once."""
from app.auth.operations import create_representative
from app.customers.models import Customer
from app.extensions import db


def create_customer(name: str, admin_email: str, admin_password: str, subscription_level: int = 1):
    customer = Customer(name=name.strip(), subscription_level=subscription_level)
    db.session.add(customer)
    db.session.flush()
    admin = create_representative(customer.id, admin_email, admin_password, role="Admin")
    return customer, admin
