"""The one validation source for actions and their links: dashboard forms and API bodies alike.

Field names are the DTO's camelCase names (see app/jsonforms.py).
"""
import json
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from tzlocal.windows_tz import win_tz
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.actions.models import ACTION_TYPES, HOOK_NAMES, Action
from app.channels.models import Channel
from app.documents.models import Document
from app.labels import labelled
from app.tenancy import get_scoped
from app.topics.models import Topic

API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
AUTH_TYPES = ("None", "Basic", "Bearer", "ApiKey")
SECRET_FIELDS = ("overrideApiPassword", "overrideApiToken")
JSON_OBJECT_FIELDS = ("apiHeaders", "fieldMapping", "responseFieldMapping")
MAX_PRIORITY = 1_000_000
MONO = {"class": "mono", "spellcheck": "false", "rows": 5}

# Field groups of the action form; which ones a type shows is decided here, once.
GROUPS = {
    "api": ("apiEndpoint", "apiMethod", "apiHeaders", "apiBodyTemplate", "fieldMapping", "responseFieldMapping"),
    "auth": ("overrideApiBaseUrl", "overrideApiUsername", "overrideApiPassword", "overrideApiToken",
             "overrideApiAuthenticationType"),
    "runtime": ("conditionalRules", "forwardRecipients", "forwardPhoneNumber", "waitSeconds",
                "actionSchedule", "actionScheduleTimeZoneId"),
    "tool": ("isFunctionTool", "functionParametersSchema", "toolCallTimeoutSeconds"),
}
GROUP_TITLES = {
    "api": "Outbound API call",
    "auth": "Outbound authentication override",
    "runtime": "Runtime controls",
    "tool": "Function tool",
}


def groups_for(action_type: str | None) -> tuple[str, ...]:
    return ("api", "auth", "runtime", "tool") if action_type == "ApiCall" else ("runtime", "tool")


def fields_for(action_type: str | None) -> set[str]:
    """The runtime fields that only make sense for one type are hidden for the others."""
    shown = {name for group in groups_for(action_type) for name in GROUPS[group]}
    if action_type != "Forward":
        shown -= {"forwardRecipients", "forwardPhoneNumber"}
    if action_type != "Wait":
        shown.discard("waitSeconds")
    return shown


def _choices(values, blank: str | None = None):
    """Plain values (WTForms 3.3 deprecates tuples); a labelled blank option only when asked."""
    return ([SelectChoice("", blank), *values]) if blank is not None else list(values)


def normalise_time_zone(raw: str) -> str:
    """An IANA id as is, a Windows id mapped to IANA; ValueError otherwise."""
    raw = raw.strip()
    if raw in win_tz:
        return win_tz[raw]
    if raw in _iana_ids():
        ZoneInfo(raw)
        return raw
    raise ValueError(raw)


_IANA: set[str] | None = None


def _iana_ids() -> set[str]:
    global _IANA
    if _IANA is None:
        _IANA = available_timezones()
    return _IANA


def parse_json_object(raw: str | None):
    """The parsed object, or a ValueError with a message fit for the field."""
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
    if not isinstance(value, dict):
        raise ValueError("Must be a JSON object, e.g. {\"key\": \"value\"}.")
    return value


def normalise_phone(raw: str) -> str:
    try:
        number = phonenumbers.parse(raw.strip(), "BE")
    except phonenumbers.NumberParseException:
        raise ValueError("Not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("Not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_recipients(raw: str) -> str:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise ValueError("Give at least one e-mail address.")
    good = []
    for part in parts:
        try:
            good.append(validate_email(part, check_deliverability=False).normalized)
        except EmailNotValidError:
            raise ValueError(f"Not a valid e-mail address: {part}") from None
    return ",".join(good)


class ActionForm(FlaskForm):
    """ActionCreateDTO / ActionUpdateDTO, with every per-type rule of the contract."""

    actionID = IntegerField("Action id", validators=[Optional()])
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    description = StringField("Description", validators=[Optional(), Length(max=100)])
    actionType = SelectField("Type", choices=labelled(ACTION_TYPES), validators=[DataRequired()])
    isActive = BooleanField("Active")

    apiEndpoint = StringField("Endpoint", validators=[Optional(), Length(max=1000)],
                              description="Path or URL; {{placeholders}} allowed.")
    apiMethod = SelectField("Method", choices=_choices(API_METHODS, "—"), validators=[Optional()])
    apiHeaders = TextAreaField("Headers (JSON object)", validators=[Optional()], render_kw=MONO)
    apiBodyTemplate = TextAreaField("Body template", validators=[Optional()], render_kw=MONO)
    fieldMapping = TextAreaField("Field mapping (JSON object)", validators=[Optional()], render_kw=MONO)
    responseFieldMapping = TextAreaField("Response field mapping (JSON object)", validators=[Optional()], render_kw=MONO)

    overrideApiBaseUrl = StringField("Base URL", validators=[Optional(), Length(max=500)])
    overrideApiUsername = StringField("Username", validators=[Optional(), Length(max=200)])
    overrideApiPassword = PasswordField("Password", validators=[Optional(), Length(max=500)],
                                        description="Write-only: never shown or returned.")
    overrideApiToken = PasswordField("Token", validators=[Optional(), Length(max=2000)],
                                     description="Write-only: never shown or returned.")
    overrideApiAuthenticationType = SelectField(
        "Authentication type", choices=labelled(AUTH_TYPES, "Customer default"), validators=[Optional()])

    conditionalRules = TextAreaField("Conditional rules", validators=[Optional()], render_kw=MONO)
    forwardRecipients = StringField("Forward to e-mail addresses", validators=[Optional(), Length(max=1000)],
                                    description="Comma-separated.")
    forwardPhoneNumber = StringField("Forward to phone number", validators=[Optional(), Length(max=32)])
    waitSeconds = IntegerField("Wait (seconds)", validators=[Optional(), NumberRange(min=0, max=86_400)])
    actionSchedule = TextAreaField("Schedule", validators=[Optional()], render_kw=MONO)
    actionScheduleTimeZoneId = StringField("Schedule time zone", validators=[Optional(), Length(max=64)],
                                           description="IANA (Europe/Brussels) or Windows (Romance Standard Time).")

    isFunctionTool = BooleanField("Expose as a function tool")
    functionParametersSchema = TextAreaField("Parameters schema (JSON Schema)", validators=[Optional()], render_kw=MONO)
    toolCallTimeoutSeconds = IntegerField("Tool call timeout (seconds)",
                                          validators=[Optional(), NumberRange(min=1, max=300)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        before = sum(len(f.errors) for f in self)
        self._type_rules()
        self._formats()
        return valid and sum(len(f.errors) for f in self) == before

    def _require(self, field, message="Required for this action type."):
        if field.data in (None, "") and not field.errors:
            field.errors.append(message)

    def _type_rules(self) -> None:
        kind = self.actionType.data
        if kind == "ApiCall":
            self._require(self.apiEndpoint)
            self._require(self.apiMethod)
        elif kind == "Forward":
            if not (self.forwardRecipients.data or "").strip() and not (self.forwardPhoneNumber.data or "").strip():
                self.forwardRecipients.errors.append("Give e-mail recipients or a phone number to forward to.")
        elif kind == "Wait":
            if self.waitSeconds.data is None or self.waitSeconds.data < 1:
                if not self.waitSeconds.errors:
                    self.waitSeconds.errors.append("A Wait action waits at least 1 second.")
        if self.isFunctionTool.data:
            self._require(self.functionParametersSchema, "A function tool needs a parameters schema.")

    def _formats(self) -> None:
        for name in JSON_OBJECT_FIELDS:
            field = self[name]
            if field.data and not field.errors:
                try:
                    parse_json_object(field.data)
                except ValueError as exc:
                    field.errors.append(str(exc))
        schema_field = self.functionParametersSchema
        if schema_field.data and not schema_field.errors:
            try:
                Draft202012Validator.check_schema(parse_json_object(schema_field.data))
            except ValueError as exc:
                schema_field.errors.append(str(exc))
            except SchemaError as exc:
                schema_field.errors.append(f"Not a valid JSON Schema: {exc.message}")
        self._normalise(self.forwardRecipients, normalise_recipients)
        self._normalise(self.forwardPhoneNumber, normalise_phone)
        self._normalise(self.actionScheduleTimeZoneId, normalise_time_zone,
                        "Unknown time zone: use an IANA id (Europe/Brussels) or a Windows id.")
        url = (self.overrideApiBaseUrl.data or "").strip()
        if url and not url.lower().startswith(("http://", "https://")):
            self.overrideApiBaseUrl.errors.append("Must be an absolute http(s) URL.")

    @staticmethod
    def _normalise(field, normaliser, message=None) -> None:
        if not (field.data or "").strip() or field.errors:
            return
        try:
            field.data = normaliser(field.data)
        except ValueError as exc:
            field.errors.append(message or str(exc))


def _optional_id(description: str):
    return IntegerField(description, validators=[Optional(), NumberRange(min=0)],
                        description="0 or null: none.")


def _exists(model, label: str):
    """Inline validator: the id names a row of the form's customer (0 and empty mean none)."""

    def check(form, field):
        if field.data and get_scoped(model, form.customer_id, field.data) is None:
            raise ValidationError(f"No {label} with this id.")

    return check


class _LinkChecks:
    """Link forms check their ids against the tenant they are given: Form(..., customer_id=N)."""

    def __init__(self, *args, customer_id: int, **kwargs):
        self.customer_id = customer_id
        super().__init__(*args, **kwargs)

    validate_actionID = staticmethod(_exists(Action, "action"))
    validate_channelID = staticmethod(_exists(Channel, "channel"))
    validate_documentID = staticmethod(_exists(Document, "document"))


class TopicActionForm(_LinkChecks, FlaskForm):
    """TopicActionCreateDTO. The topic context is a topic or a special topic, on a channel or all."""

    topicID = _optional_id("Topic")
    specialTopic = StringField("Special topic", validators=[Optional(), Length(max=50)])
    documentID = _optional_id("Document")
    channelID = _optional_id("Channel")
    specialChannel = StringField("Special channel", validators=[Optional(), Length(max=50)])
    actionID = IntegerField("Action", validators=[DataRequired()])
    priority = IntegerField("Priority", validators=[Optional(), NumberRange(min=0, max=MAX_PRIORITY)],
                            description="Lower runs earlier; left out: at the end of the list.")

    validate_topicID = staticmethod(_exists(Topic, "topic"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        has_topic = bool(self.topicID.data) or bool((self.specialTopic.data or "").strip())
        if not has_topic:
            self.topicID.errors.append("Give a topicID or a specialTopic.")
        elif self.topicID.data and (self.specialTopic.data or "").strip():
            self.specialTopic.errors.append("Give a topicID or a specialTopic, not both.")
        if self.channelID.data and (self.specialChannel.data or "").strip():
            self.specialChannel.errors.append("Give a channelID or a specialChannel, not both.")
        return valid and not self.topicID.errors and not self.specialTopic.errors and not self.specialChannel.errors


class HookActionForm(_LinkChecks, FlaskForm):
    """HookActionCreateDTO: a hook, a channel (null = every channel) and the action."""

    hookName = SelectField("Hook", choices=_choices(HOOK_NAMES), validators=[DataRequired()])
    channelID = _optional_id("Channel")
    documentID = _optional_id("Document")
    actionID = IntegerField("Action", validators=[DataRequired()])
    priority = IntegerField("Priority", validators=[Optional(), NumberRange(min=0, max=MAX_PRIORITY)],
                            description="Lower runs earlier; left out: at the end of the list.")


def _priority_required():
    return IntegerField("Priority", validators=[InputRequired(message="Give the new priority."),
                                                NumberRange(min=0, max=MAX_PRIORITY)])


class TopicPriorityForm(FlaskForm):
    """PUT /api/TopicActions/{id}: the priority only (the id may be repeated and must match)."""

    topicActionID = IntegerField("Topic action id", validators=[Optional()])
    priority = _priority_required()


class HookPriorityForm(FlaskForm):
    """PUT /api/HookActions/{id}: the priority only (the id may be repeated and must match)."""

    hookActionID = IntegerField("Hook action id", validators=[Optional()])
    priority = _priority_required()
