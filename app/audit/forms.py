"""The filters of the audit trail, as a query form (validated and published from here)."""
from datetime import timedelta

from wtforms import Form, StringField

from app.actors import ACTOR_TYPES
from app.audit.models import ACTIONS
from app.jsonforms import ChoiceField, TimestampField, WholeNumberField

ENTITY_TYPES = ("Customer", "Representative", "EndUser", "Action", "TopicAction", "HookAction", "Topic", "Channel",
                "Document", "Ticket", "AIModel", "ApiKey", "SsoSettings")


class AuditEventQuery(Form):
    entityType = ChoiceField("entityType", values=ENTITY_TYPES, description="Only events about this kind of record.")
    entityId = WholeNumberField("entityId", description="Only events about this record (with entityType).")
    actorType = ChoiceField("actorType", values=ACTOR_TYPES, description="Only events by this kind of actor.")
    actorId = StringField("actorId", description="Only events by this actor (a representative id, a command...).")
    action = ChoiceField("action", values=ACTIONS, description="Only this kind of change.")
    # `from` is a Python keyword: the field is declared under its query name below.
    to = TimestampField("to", description="Events at or before this time (ISO 8601).")


setattr(AuditEventQuery, "from", TimestampField("from", description="Events at or after this time (ISO 8601)."))


class HistoryQuery(AuditEventQuery):
    """A History panel's record: entityType with entityId, or for an execution-order list
    (TopicAction, HookAction) the list's contextKey."""

    contextKey = StringField("contextKey", description="Only events about this ordered list.")


class DayField(TimestampField):
    """A date input's value (YYYY-MM-DD) read as a whole day in UTC: `end_of_day` makes it the last
    instant of that day. A full timestamp is taken as it is."""

    def __init__(self, label=None, end_of_day: bool = False, **kwargs):
        super().__init__(label, **kwargs)
        self.end_of_day = end_of_day

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        raw = (valuelist[0] if valuelist else "").strip()
        if self.data is not None and self.end_of_day and len(raw) == 10:  # a date without a time
            self.data += timedelta(days=1, microseconds=-1)


class ActivityQuery(AuditEventQuery):
    """The Activity page's filters: the API's, with `from` and `to` taken from date inputs."""

    to = DayField("to", end_of_day=True, description="Events on or before this day (UTC).")


setattr(ActivityQuery, "from", DayField("from", description="Events on or after this day (UTC)."))
