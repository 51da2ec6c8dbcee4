"""RepresentativeCreateDTO / RepresentativeUpdateDTO: the Team page's forms and the
/api/Representatives bodies."""
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.auth.emails import representative_email
from app.auth.models import ROLES

PASSWORD_MIN = 10


def iana_time_zone(form, field):
    if field.data and field.data not in time_zones():
        raise ValidationError(f"Not a time zone: {field.data!r}. Use an IANA name such as Europe/Brussels.")


_ZONES: frozenset[str] | None = None


def time_zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def _password_field(label: str):
    return PasswordField(label, [Optional(), Length(min=PASSWORD_MIN, max=200)],
                         description=f"At least {PASSWORD_MIN} characters. Left out: one is generated and shown once.")


class RepresentativeCreateForm(FlaskForm):
    email = StringField("E-mail", [DataRequired(), representative_email, Length(max=254)])
    name = StringField("Name", [Optional(), Length(max=200)])
    role = SelectField("Role", choices=list(ROLES), validators=[DataRequired()])
    timeZone = StringField("Time zone", [DataRequired(), iana_time_zone, Length(max=64)], render_kw={"list": "time-zones"})
    password = _password_field("Password")


class RepresentativeUpdateForm(FlaskForm):
    representativeID = IntegerField("Representative id", validators=[Optional()])
    email = StringField("E-mail", [DataRequired(), representative_email, Length(max=254)])
    name = StringField("Name", [Optional(), Length(max=200)])
    role = SelectField("Role", choices=list(ROLES), validators=[DataRequired()])
    timeZone = StringField("Time zone", [DataRequired(), iana_time_zone, Length(max=64)], render_kw={"list": "time-zones"})
    isActive = BooleanField("Active")
    password = PasswordField("New password", [Optional(), Length(min=PASSWORD_MIN, max=200)],
                             description="Sets a new password; every session and token of the person ends.")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=list(ROLES), validators=[DataRequired()])
