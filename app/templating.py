"""What every dashboard template can use."""
from flask import Flask, g
from flask_login import current_user

from app.customers.models import Customer
from app.extensions import db
from app.labels import human


def current_tenant():
    if not current_user.is_authenticated:
        return None
    if "tenant" not in g:
        g.tenant = db.session.get(Customer, current_user.customer_id)
    return g.tenant


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(human, "human")

    @app.context_processor
    def _inject():
        return {"current_tenant": current_tenant()}
