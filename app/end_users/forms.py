"""The one validation source for end users: the dashboard renders these, the API feeds them JSON.

Field names are the DTO names. Identifier values are normalised while validating (see
identifiers.py), so `form.data` already holds what will be stored.
"""
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from app.channels.models import CHANNEL_TYPES
from app.end_users import identifiers
from app.end_users.models import CUSTOMER_TYPES, lookup_key
from app.jsonforms import ChoiceField, IdListField, TrueFalseField, WholeNumberField
from app.tickets.models import TICKET_STATUSES

UID_TYPE_HELP = "Email, Phone, WhatsApp or another kind of identifier (at most 20 characters)."
MAX_UIDS = 50  # identifiers per request: each row costs a lookup and a write


def normalize_uid(form, field):
    """The identifier rules of app/end_users/identifiers.py, for any form with uidType and uid."""
    if form.uidType.errors:
        return
    try:
        kind, value = identifiers.normalize(form.uidType.data, field.data, form.region)
    except identifiers.InvalidIdentifier as exc:
        raise ValidationError(str(exc)) from None
    form.uidType.data, field.data = kind, value


class UIDForm(Form):
    """One identifier row of EndUserCreateDTO.uids (a plain Form: it lives inside a FieldList)."""

    uidType = StringField("Type", validators=[Length(max=identifiers.MAX_TYPE_LENGTH)], description=UID_TYPE_HELP)
    uid = StringField("Identifier", validators=[InputRequired(), Length(max=254)])
    isPrimary = BooleanField("Primary")

    region = identifiers.DEFAULT_REGION  # set by the parent form from its country before validating

    validate_uid = normalize_uid


class UIDUpdateForm(UIDForm):
    """One row of EndUserUpdateDTO.uids: an existing identifier is named by endUserUIDID."""

    endUserUIDID = IntegerField("Identifier id", validators=[Optional()])
    markAsDeleted = BooleanField("Remove")


class EndUserBaseForm(FlaskForm):
    """EndUserBaseDTO."""

    firstname = StringField("First name", validators=[Length(max=100)])
    lastname = StringField("Last name", validators=[Length(max=100)])
    gender = StringField("Gender", validators=[Length(max=20)])
    customerRef = StringField("Customer reference", validators=[Length(max=254)],
                              description="External reference, e.g. the id in your CRM or ERP.")
    customerType = SelectField("Type", choices=["", *CUSTOMER_TYPES], default="",
                               description="Lead, Customer or Partner; empty = Lead on create, unchanged on update.")
    country = StringField("Country", validators=[
        Optional(), Regexp(r"^[A-Za-z]{2}$", message="Use a two-letter country code such as BE.")])
    lang = StringField("Language", validators=[Length(max=5)])
    street = StringField("Street", validators=[Length(max=200)])
    houseNumber = StringField("House number", validators=[Length(max=20)])
    postalCode = StringField("Postal code", validators=[Length(max=20)])
    city = StringField("City", validators=[Length(max=100)])
    company = StringField("Company", validators=[Length(max=200)])
    otherContactDetails = TextAreaField("Other contact details", validators=[Length(max=4000)])
    aiDocumentation = TextAreaField("Notes for the AI", validators=[Length(max=10000)])

    def validate(self, extra_validators=None):
        region = identifiers.region_for(self.country.data)
        for row in self._uid_rows():
            row.form.region = region
        ok = super().validate(extra_validators)
        return self._check_rows() and ok

    def _uid_rows(self):
        return list(self.uids.entries) if "uids" in self._fields else []

    def _check_rows(self) -> bool:
        """One identifier once per request, at most one primary; errors land on the exact row."""
        seen, ok = {}, True
        rows = self._uid_rows()
        for index, row in enumerate(rows):
            if row.form.errors or getattr(row.form, "markAsDeleted", None) and row.form.markAsDeleted.data:
                continue
            key = (row.form.uidType.data, lookup_key(row.form.uid.data or ""))
            if key in seen:
                row.form.uid.errors.append(f"Listed twice: the same as identifier {seen[key] + 1}.")
                ok = False
            seen.setdefault(key, index)
        primaries = [r for r in rows if r.form.isPrimary.data and not (
            getattr(r.form, "markAsDeleted", None) and r.form.markAsDeleted.data)]
        if len(primaries) > 1:
            for row in primaries[1:]:
                row.form.isPrimary.errors = [*row.form.isPrimary.errors, "Only one identifier can be primary."]
            ok = False
        if not ok:
            self.uids.errors = [row.errors for row in rows]
        return ok


class EndUserCreateForm(EndUserBaseForm):
    """EndUserCreateDTO."""

    uids = FieldList(FormField(UIDForm), validators=[
        Length(max=MAX_UIDS, message=f"At most {MAX_UIDS} identifiers per request.")])


class EndUserUpdateForm(EndUserBaseForm):
    """EndUserUpdateDTO; the dashboard's create-and-edit form as well."""

    uids = FieldList(FormField(UIDUpdateForm), validators=[
        Length(max=MAX_UIDS, message=f"At most {MAX_UIDS} identifiers per request.")])


class AssignUIDForm(FlaskForm):
    """AssignUIDRequest for POST /api/EndUserUIDs/assign and the detail page's quick form.

    `region` (from the end user's country) is given by the caller, who knows the end user.
    """

    uid = StringField("Identifier", validators=[InputRequired(), Length(max=254)])
    endUserID = IntegerField("End user", validators=[InputRequired()])
    uidType = StringField("Type", validators=[Length(max=identifiers.MAX_TYPE_LENGTH)], description=UID_TYPE_HELP)
    isPrimary = BooleanField("Make primary")

    def __init__(self, *args, region: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region

    validate_uid = normalize_uid


# ---- Query strings ----------------------------------------------------------------------------

MAX_LIST_IDS = 100


class EndUserListQuery(Form):
    """The end-user list's filters (API and dashboard)."""

    search = StringField("search", description="Every word must occur in a name, company, city, street, postal code, "
                                               "other contact details or identifier, or start the customerRef.")
    ids = IdListField("ids", max_ids=MAX_LIST_IDS, description=f"Comma-separated end user ids (at most {MAX_LIST_IDS}).")
    customerType = ChoiceField("customerType", values=CUSTOMER_TYPES, description="Lead, Customer or Partner.")


class TicketHistoryQuery(Form):
    """The ticket history's filters (API and dashboard)."""

    status = ChoiceField("status", values=TICKET_STATUSES, description="Ticket status (any case).")
    customerRepID = WholeNumberField("customerRepID", description="Tickets of this representative.")
    channelType = ChoiceField("channelType", values=CHANNEL_TYPES, description="Channel type (any case).")
    channelIDs = IdListField("channelIDs", max_ids=MAX_LIST_IDS, description="Comma-separated channel ids.")
    uid = StringField("uid", description="Tickets from this identifier (a phone in any format).")
    isClosed = TrueFalseField("isClosed", description="true or false.")
    isSpam = TrueFalseField("isSpam", description="true or false.")
    search = StringField("search", description="Text in the subject, identifier or messages.")
