"""Dashboard: one ticket of an end user's history, read-only. The history's filters ride along in
the query string, so Back returns to the same filtered page."""
from flask import Blueprint, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.policies import requires
from app.domain_errors import NotFound
from app.end_users import queries
from app.end_users.models import EndUser
from app.extensions import db
from app.request_scope import current_customer_id
from app.tenancy import get_scoped_or_404, in_id_range
from app.tickets.models import Ticket

bp = Blueprint("end_user_tickets", __name__, url_prefix="/end-users")


@bp.get("/<int:end_user_id>/tickets/<int:ticket_id>")
@requires("TicketAccess")
def view(end_user_id, ticket_id):
    customer_id = current_customer_id()
    end_user = get_scoped_or_404(EndUser, customer_id, end_user_id)
    ticket = db.session.scalars(select(Ticket).where(
        queries.tickets_of(end_user), Ticket.id == (ticket_id if in_id_range(ticket_id) else 0),
    ).options(selectinload(Ticket.messages), selectinload(Ticket.topics), selectinload(Ticket.channel))).one_or_none()
    if ticket is None:
        raise NotFound()
    feedback = [m for m in reversed(ticket.messages) if m.is_escalated and (m.ai_feedback_comment or "").strip()]
    back = url_for("end_users.detail", end_user_id=end_user.id, **request.args.to_dict()) + "#tickets-h"
    return render_template("end_users/ticket.html", end_user=end_user, ticket=ticket, feedback=feedback, back=back)
