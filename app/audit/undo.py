"""The toast after a delete on the dashboard, with an Undo button: the revert of its Delete event."""
from flask import flash, url_for

from app.audit.queries import latest_deletion


def flash_deleted(message: str, customer_id: int, entity_type: str, entity_id: int) -> None:
    event_id = latest_deletion(customer_id, entity_type, entity_id)
    if event_id is None:
        flash(message)
        return
    flash({"text": message, "undo": url_for("audit.revert", event_id=event_id)}, "undo")
