"""The home page: the tenant at a glance."""
from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import func, select

from app.actions.models import Action
from app.channels.models import Channel
from app.end_users.models import EndUser
from app.extensions import db
from app.request_scope import current_customer_id
from app.tenancy import scoped
from app.tickets.models import Ticket
from app.topics.models import Topic

bp = Blueprint("home", __name__)


def _count(model, *criteria) -> int:
    return db.session.scalar(select(func.count()).select_from(scoped(model, current_customer_id(), *criteria).subquery()))


@bp.get("/")
@login_required
def index():
    counts = {
        "end_users": _count(EndUser),
        "open_tickets": _count(Ticket, Ticket.is_closed.is_(False), Ticket.is_spam.is_(False)),
        "active_actions": _count(Action, Action.is_active.is_(True)),
        "channels": _count(Channel),
        "topics": _count(Topic),
    }
    return render_template("home/index.html", counts=counts)
