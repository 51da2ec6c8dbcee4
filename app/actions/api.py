"""/api/Actions: action definitions."""
from flask import Blueprint, jsonify

from app.actions.models import Action
from app.auth.policies import ticket_access_or_phone
from app.extensions import db
from app.tenancy import scoped

bp = Blueprint("api_actions", __name__, url_prefix="/api/Actions")


@bp.get("/available")
@ticket_access_or_phone
def available():
    actions = db.session.scalars(scoped(Action, Action.is_active.is_(True)).order_by(Action.name, Action.id))
    return jsonify([
        {
            "actionID": a.id,
            "customerID": a.customer_id,
            "name": a.name,
            "description": a.description,
            "actionType": a.action_type,
            "isActive": a.is_active,
        }
        for a in actions
    ])
