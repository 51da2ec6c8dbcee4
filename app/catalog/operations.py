"""Writes for the model catalogue: a customer's own models. They take the tenant and the actor
and only flush (the global catalogue is data, loaded by its migration)."""
from app.actors import Actor
from app.catalog.models import AIModel
from app.extensions import db


def add_own_model(customer_id: int, actor: Actor, **attributes) -> AIModel:
    model = AIModel(customer_id=customer_id, **attributes)
    db.session.add(model)
    db.session.flush()
    return model
