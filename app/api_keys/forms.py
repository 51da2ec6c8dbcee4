from flask_wtf import FlaskForm
from wtforms import FieldList, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.api_keys.scopes import SCOPES
from app.jsonforms import ChoiceField, TimestampField
from app.timeutil import utcnow


class ApiKeyCreateForm(FlaskForm):
    """ApiKeyCreateRequest: the keys page's form and POST /api/ApiKeys."""

    name = StringField("Name", validators=[DataRequired(), Length(max=100)],
                       description="What the key is for, e.g. the integration using it")
    scopes = FieldList(ChoiceField("Scope", values=SCOPES), validators=[Length(max=len(SCOPES))],
                       description="What the key may call: " + ", ".join(SCOPES))
    expiresAt = TimestampField("Expires at", description="When the key stops working (none: until revoked)")

    @property
    def chosen_scopes(self) -> list[str]:
        """The scopes ticked or listed, each once."""
        return list(dict.fromkeys(scope for scope in self.scopes.data if scope))

    def validate_scopes(self, field):
        if not self.chosen_scopes:
            raise ValidationError("Choose at least one scope.")

    def validate_expiresAt(self, field):  # noqa: N802  (the DTO's name)
        if field.data is not None and field.data <= utcnow():
            raise ValidationError("The expiry must be in the future.")
