"""Reads for the settings: which models a customer sees and may pick."""
from sqlalchemy import or_, select

from app.catalog.models import AIModel
from app.customers.models import MODEL_USAGES, Customer
from app.customers.serializers import FIELDS
from app.extensions import db


def _visible(customer: Customer):
    return or_(AIModel.customer_id.is_(None), AIModel.customer_id == customer.id)


def _order():
    return (AIModel.customer_id.is_not(None), AIModel.required_subscription_level, AIModel.model_name, AIModel.id)


def selected_model_ids(customer: Customer) -> set[int]:
    ids = (getattr(customer, FIELDS[dto]) for dto in MODEL_USAGES.values())
    return {i for i in ids if i is not None}


def models_for(customer: Customer) -> list[AIModel]:
    """Active global and own models, plus inactive ones still selected as a default."""
    selected = selected_model_ids(customer)
    active_or_selected = or_(AIModel.is_active.is_(True), AIModel.id.in_(selected)) if selected else AIModel.is_active.is_(True)
    return list(db.session.scalars(select(AIModel).where(_visible(customer), active_or_selected).order_by(*_order())))


def catalogue(customer: Customer, usage=None, capability=None, scope=None, status="active", allowed_only=False):
    """The whole visible catalogue, filtered for the models page."""
    query = select(AIModel).where(_visible(customer)).order_by(*_order())
    if scope == "global":
        query = query.where(AIModel.customer_id.is_(None))
    elif scope == "own":
        query = query.where(AIModel.customer_id == customer.id)
    if status == "active":
        query = query.where(AIModel.is_active.is_(True))
    elif status == "inactive":
        query = query.where(AIModel.is_active.is_(False))
    if allowed_only:
        query = query.where(AIModel.required_subscription_level <= customer.subscription_level)
    models = list(db.session.scalars(query))
    if usage:  # compatible_usages is a JSON list: filtered here, the catalogue is small
        models = [m for m in models if usage in (m.compatible_usages or [])]
    if capability:
        models = [m for m in models if m.capability(capability)]
    return models


def choices_for_usage(customer: Customer, usage: str, current_id: int | None) -> dict[str, list[AIModel]]:
    """The models a default-model select offers: compatible, active, allowed; grouped global/own.

    The stored choice stays in the list even if it is no longer selectable, so saving the page
    unchanged keeps it.
    """
    groups = {"Global models": [], "Your models": []}
    for model in catalogue(customer, usage=usage, status="all"):
        allowed = model.is_active and model.required_subscription_level <= customer.subscription_level
        if allowed or model.id == current_id:
            groups["Global models" if model.is_global else "Your models"].append(model)
    return {label: models for label, models in groups.items() if models}
