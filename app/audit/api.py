"""/api/AuditEvents: the tenant's audit trail, newest first (ManageSettings)."""
from flask import Blueprint, jsonify, request

from app.audit.forms import AuditEventQuery
from app.audit.models import AuditEvent
from app.audit.queries import filtered_events
from app.audit.revert import revert_event
from app.audit.serializers import AUDIT_EVENT
from app.auth.policies import requires
from app.jsonforms import query_parameters, validate_query
from app.openapi import documented, page_params, paginated
from app.pagination import page_query, paginate, paginated_result
from app.request_scope import current_customer_id, current_scope
from app.tenancy import get_scoped_or_404

bp = Blueprint("api_audit", __name__, url_prefix="/api/AuditEvents")

SORTABLE = {"occurredAt": AuditEvent.occurred_at}


@bp.get("")
@documented(
    summary="The audit trail: every write of your account, newest first (PaginatedResult of AuditEventReadDTO)",
    query=page_params(SORTABLE, "occurredAt", **query_parameters(AuditEventQuery)),
    responses={200: ("A page of audit events", paginated(AUDIT_EVENT.schema))},
)
@requires("ManageSettings")
def list_events():
    page = page_query(SORTABLE, "occurredAt", "desc")
    stmt = filtered_events(current_customer_id(), validate_query(AuditEventQuery, request.args))
    rows, total = paginate(stmt, page, SORTABLE, AuditEvent.id)
    return jsonify(paginated_result([AUDIT_EVENT.dump(event) for event in rows], total, page))


@bp.post("/<int:event_id>/revert")
@documented(
    summary="Undo a change: an Update's old values, a deleted record with its children, a list's earlier "
            "order; answers the new Revert event",
    responses={200: ("The Revert event", AUDIT_EVENT.schema),
               409: ("The record changed again since, an identifier now belongs to someone else, the change was "
                     "already reverted, or it cannot be reverted; nothing changed", None)},
    bodyless=True,
)
@requires("ManageSettings")
def revert(event_id: int):
    customer_id, actor = current_scope()
    return jsonify(AUDIT_EVENT.dump(revert_event(customer_id, actor, get_scoped_or_404(AuditEvent, customer_id, event_id))))
