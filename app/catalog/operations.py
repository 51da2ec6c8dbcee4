"""Writes for the model catalogue: a customer's own models. They take the tenant and the actor
and only flush (the global catalogue is data, loaded by its migration)."""
from app.actors import Actor
from app.audit.recorder import EntityKind, audited, register
from app.catalog.models import AI_MODEL, AIModel
from app.extensions import db

register(AIModel, EntityKind("AIModel", lambda m: m.model_name, lambda m: {
    name: value for name, value in AI_MODEL.dump(m).items() if name not in ("modelID", "customerID")}))


def add_own_model(customer_id: int, actor: Actor, **attributes) -> AIModel:
    model = AIModel(customer_id=customer_id)
    with audited(customer_id, actor, "Create", model):
        for name, value in attributes.items():
            setattr(model, name, value)
        db.session.add(model)
        db.session.flush()
    return model
