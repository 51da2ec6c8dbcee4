"""The filters of the audit trail, as a query form (validated and published from here)."""
from wtforms import Form, StringField

from app.actors import ACTOR_TYPES
from app.audit.models import ACTIONS
from app.jsonforms import ChoiceField, TimestampField, WholeNumberField

ENTITY_TYPES = ("Customer", "Representative", "EndUser", "Action", "TopicAction", "HookAction", "Topic", "Channel",
                "Document", "Ticket", "AIModel")


class AuditEventQuery(Form):
    entityType = ChoiceField("entityType", values=ENTITY_TYPES, description="Only events about this kind of record.")
    entityId = WholeNumberField("entityId", description="Only events about this record (with entityType).")
    actorType = ChoiceField("actorType", values=ACTOR_TYPES, description="Only events by this kind of actor.")
    actorId = StringField("actorId", description="Only events by this actor (a representative id, a command...).")
    action = ChoiceField("action", values=ACTIONS, description="Only this kind of change.")
    # `from` is a Python keyword: the field is declared under its query name below.
    to = TimestampField("to", description="Events at or before this time (ISO 8601).")


setattr(AuditEventQuery, "from", TimestampField("from", description="Events at or after this time (ISO 8601)."))
