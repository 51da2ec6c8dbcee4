"""The one validation mechanism: a real form class validates a JSON body, nested lists included."""
import pytest
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.domain_errors import Invalid
from app.jsonforms import json_schema, validate_json


class ItemForm(Form):
    uid = StringField(validators=[DataRequired(), Length(max=10)])
    isPrimary = BooleanField()

    def validate_uid(self, field):
        if field.data == "taken":
            raise ValidationError("Already used.")


class SampleForm(FlaskForm):
    name = StringField(validators=[DataRequired(), Length(max=20)])
    kind = SelectField(choices=["A", "B"], validators=[Optional()])
    count = IntegerField(validators=[Optional(), NumberRange(min=1, max=5)])
    items = FieldList(FormField(ItemForm))


def _validate(app, body):
    with app.test_request_context("/api/x", method="POST", json=body):
        return validate_json(SampleForm)


def test_schema_is_derived_from_the_form(app):
    schema = json_schema(SampleForm)
    assert schema["required"] == ["name"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["name"] == {"type": "string", "maxLength": 20}
    assert schema["properties"]["count"] == {"type": ["integer", "null"], "minimum": 1, "maximum": 5}
    assert schema["properties"]["kind"]["enum"] == ["A", "B", None]
    assert schema["properties"]["items"]["items"]["properties"]["isPrimary"] == {"type": ["boolean", "null"]}


def test_valid_body_fills_the_form_including_nested_lists(app):
    form, body = _validate(app, {"name": "x", "count": 3, "items": [{"uid": "a", "isPrimary": True}, {"uid": "b"}]})
    assert form.count.data == 3
    assert [e.form.uid.data for e in form.items] == ["a", "b"]
    assert [e.form.isPrimary.data for e in form.items] == [True, False]


@pytest.mark.parametrize("body, key", [
    ({"name": 12345}, "name"),
    ({"name": "x", "items": {}}, "items"),
    ({"name": "x", "count": "3"}, "count"),
    ({"name": "x", "items": [{"uid": 5}]}, "items[0].uid"),
    ({"name": "x", "extra": 1}, "extra"),
    ({"name": "x", "items": [{"uid": "a", "bogus": 1}]}, "items[0].bogus"),
    ({}, "name"),
    ({"name": "x", "kind": "C"}, "kind"),
])
def test_wrong_json_types_are_refused_not_coerced(app, body, key):
    with pytest.raises(Invalid) as raised:
        _validate(app, body)
    assert key in raised.value.errors


def test_form_validator_errors_come_back_with_dto_paths(app):
    with pytest.raises(Invalid) as raised:
        _validate(app, {"name": "x", "items": [{"uid": "ok"}, {"uid": "taken"}, {"uid": ""}]})
    errors = raised.value.errors
    assert errors["items[1].uid"] == ["Already used."]
    assert "items[2].uid" in errors
    assert "items[0].uid" not in errors
