"""Validation of a merge request: the same form reads the API's JSON body and the dashboard's
confirm form (fieldChoices-firstname=source)."""
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField
from wtforms.fields import FormField
from wtforms.validators import InputRequired

from app.end_users.serializers import PROFILE_FIELDS
from app.jsonforms import ChoiceField, WholeNumberField

SIDES = ("target", "source")


class FieldChoicesForm(Form):
    """Which side's value each profile field keeps; a field left out takes the default winner."""


for _name in PROFILE_FIELDS:
    setattr(FieldChoicesForm, _name, ChoiceField(_name, values=SIDES,
                                                 description=f"Keep the target's or the source's {_name}."))


class MergeForm(FlaskForm):
    sourceEndUserID = IntegerField("Merge this end user", validators=[InputRequired()],
                                   description="The end user merged into the one in the path (and then gone).")
    fieldChoices = FormField(FieldChoicesForm, description="Per profile field: target or source.")

    def choices(self) -> dict[str, str]:
        return {name: value for name, value in self.fieldChoices.data.items() if value}


class MergePreviewQuery(Form):
    sourceEndUserID = WholeNumberField("sourceEndUserID", validators=[InputRequired()],
                                       description="The end user that would be merged into the one in the path.")
