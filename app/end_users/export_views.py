"""Dashboard: the Export button of the end-user list, the same CSV as GET /api/EndUsers/export."""
from flask import Blueprint, Response, request, stream_with_context

from app.auth.policies import requires
from app.end_users.export import csv_lines, export_statement
from app.request_scope import current_customer_id

bp = Blueprint("end_user_export", __name__, url_prefix="/end-users")


@bp.get("/export.csv")
@requires("TicketAccess")
def export():
    stmt = export_statement(current_customer_id(), request.args)
    return Response(stream_with_context(csv_lines(stmt)), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="end-users.csv"', "Cache-Control": "no-store"})
