"""One validation source for both faces: a JSON body goes through the dashboard's form class.

1. The body's JSON types are checked against a JSON Schema derived from the form class
   (no silent coercion, unknown fields refused).
2. The body is flattened into the form-data shape WTForms reads (`uids-0-uid`).
3. The form's own validators run; their errors come back keyed by DTO name (`uids[1].uid`).

Form field names are the DTO's camelCase names, so a field has one name everywhere.
The derived schemas are also what the OpenAPI document publishes.
"""
import functools
import json
import re
from datetime import datetime, timezone

import jsonschema_rs
from flask import abort, request
from jsonschema import Draft202012Validator
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from wtforms import fields as f
from wtforms import validators as v
from wtforms.fields.core import UnboundField

from app.api_requests import is_api_request
from app.domain_errors import Invalid

_SKIPPED = (f.SubmitField,)


def form_fields(form_cls) -> list[tuple[str, UnboundField]]:
    """The form's declared fields in declaration order, without instantiating it."""
    found = [
        (name, attr)
        for name in dir(form_cls)
        if not name.startswith("_")
        and isinstance(attr := getattr(form_cls, name), UnboundField)
        and not issubclass(attr.field_class, _SKIPPED)
        and name != "csrf_token"
    ]
    return sorted(found, key=lambda item: item[1].creation_counter)


def _validators(unbound: UnboundField) -> list:
    if "validators" in unbound.kwargs:
        return list(unbound.kwargs["validators"] or [])
    return list(unbound.args[1]) if len(unbound.args) > 1 and unbound.args[1] else []


def _is_required(unbound: UnboundField) -> bool:
    return any(isinstance(x, (v.DataRequired, v.InputRequired)) for x in _validators(unbound))


def _choice_value(choice):
    if isinstance(choice, f.SelectChoice):
        return choice.value
    return choice[0] if isinstance(choice, (list, tuple)) else choice


def _field_schema(unbound: UnboundField) -> dict:
    cls = unbound.field_class
    if issubclass(cls, f.FieldList):
        schema = {"type": "array", "items": _field_schema(unbound.args[0])}
        for rule in unbound.kwargs.get("validators") or []:
            if isinstance(rule, v.Length) and rule.max != -1:
                schema["maxItems"] = rule.max
        return schema
    if issubclass(cls, f.FormField):
        return json_schema(unbound.args[0])
    schema: dict
    if issubclass(cls, (f.BooleanField, TrueFalseField)):
        schema = {"type": "boolean"}
    elif issubclass(cls, f.IntegerField):
        schema = {"type": "integer"}
    elif issubclass(cls, (f.DecimalField, f.FloatField)):
        schema = {"type": "number"}
    elif issubclass(cls, TimestampField):
        schema = {"type": "string", "format": "date-time"}
    elif issubclass(cls, IdListField):
        schema = {"type": "string", "pattern": r"^\s*\d+\s*(,\s*\d+\s*)*$"}
    elif issubclass(cls, ChoiceField):
        schema = {"type": "string", "enum": list(unbound.kwargs["values"])}
    elif issubclass(cls, f.SelectField):
        coerce = unbound.kwargs.get("coerce", str)
        schema = {"type": "integer" if coerce is int else "string"}
        choices = unbound.kwargs.get("choices")
        if isinstance(choices, (list, tuple)) and choices and unbound.kwargs.get("validate_choice", True):
            schema["enum"] = [_choice_value(c) for c in choices]
    else:
        schema = {"type": "string"}
    for rule in _validators(unbound):
        if isinstance(rule, v.Length) and rule.max != -1:
            schema["maxLength"] = rule.max
        elif isinstance(rule, v.NumberRange):
            if rule.min is not None:
                schema["minimum"] = rule.min
            if rule.max is not None:
                schema["maximum"] = rule.max
        elif isinstance(rule, v.AnyOf):
            schema["enum"] = list(rule.values)
    description = unbound.kwargs.get("description")
    if description:
        schema["description"] = description
    return schema


def json_schema(form_cls, partial: bool = False) -> dict:
    """JSON Schema of a form class; `partial` drops `required` (PUT with keep-if-absent)."""
    properties, required = {}, []
    for name, unbound in form_fields(form_cls):
        schema = _field_schema(unbound)
        if _is_required(unbound) and not partial:
            required.append(name)
        elif "type" in schema:
            schema["type"] = [schema["type"], "null"]
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
        properties[name] = schema
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(error) -> dict[str, str]:
    """Turn a jsonschema error into {field path: friendly message}."""
    where = list(error.absolute_path)
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        return {_path([*where, k]): "Unknown field." for k in error.instance if k not in known}
    if error.validator == "required":
        return {_path([*where, k]): "This field is required." for k in error.validator_value if k not in error.instance}
    message = {
        "type": lambda: "Must be " + " or ".join(
            {"string": "a string", "integer": "a whole number", "number": "a number",
             "boolean": "true or false", "array": "a list", "object": "an object", "null": "null"}[t]
            for t in ([error.validator_value] if isinstance(error.validator_value, str) else error.validator_value)
        ) + ".",
        "maxLength": lambda: f"Must be at most {error.validator_value} characters.",
        "maxItems": lambda: f"At most {error.validator_value} items.",
        "enum": lambda: "Must be one of: " + ", ".join(str(x) for x in error.validator_value if x is not None) + ".",
        "minimum": lambda: f"Must be at least {error.validator_value}.",
        "maximum": lambda: f"Must be at most {error.validator_value}.",
    }.get(error.validator, lambda: error.message)()
    return {_path(where) or "body": message}


# Control characters other than tab, line feed and carriage return: PostgreSQL refuses NUL in
# text (a 500 if it got that far) and ESC sequences would reach terminals and logs.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = "Must not contain control characters (tab, line feed and carriage return are allowed)."
# A lone surrogate (JSON "\ud800" without its pair) is no character: it cannot be encoded as UTF-8
# for the database (a 500 if it got that far). Query strings and form posts cannot carry one:
# Werkzeug decodes invalid UTF-8 there as U+FFFD.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
SURROGATE_MESSAGE = "Must not contain unpaired surrogates (invalid Unicode)."


def _with_control_characters(value, where=(), pattern=_CONTROL):
    """Paths of the strings in a JSON value that hold a control character (or another `pattern`)."""
    if isinstance(value, str):
        if pattern.search(value):
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _with_control_characters(item, (*where, key), pattern)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _with_control_characters(item, (*where, index), pattern)


def refuse_control_characters() -> None:
    """before_request: a query string or form post holding a control character is a 400.

    JSON bodies are checked field by field in check_types; this covers the rest (search boxes,
    dashboard forms), which would otherwise reach PostgreSQL and fail there with a 500.
    """
    bad = sorted({key for source in (request.args, request.form)
                  for key, value in source.items(multi=True) if _CONTROL.search(value)})
    if not bad:
        return
    if is_api_request():
        raise Invalid({key: [CONTROL_MESSAGE] for key in bad})
    abort(400)


def _quick_valid(quick, body) -> bool:
    try:
        return quick.is_valid(body)
    except Exception:  # a value it cannot take: jsonschema decides
        return False


def _over_max_items(body, schema: dict) -> dict[str, list[str]]:
    """Top-level lists longer than their maxItems: refused before every item of a huge list is checked."""
    errors = {}
    for name, rule in schema.get("properties", {}).items() if isinstance(body, dict) else ():
        limit = rule.get("maxItems")
        if limit is not None and isinstance(body.get(name), list) and len(body[name]) > limit:
            errors[name] = [f"At most {limit} items."]
    return errors


def check_types(body, schema: dict, validator: Draft202012Validator | None = None,
                quick: "jsonschema_rs.Draft202012Validator | None" = None) -> None:
    """`quick`, a compiled validator of the same schema, answers first: only a body it refuses goes
    through jsonschema, whose errors give the messages (an import checks every row)."""
    if too_long := _over_max_items(body, schema):
        raise Invalid(too_long)
    errors: dict[str, list[str]] = {}
    if quick is None or not _quick_valid(quick, body):
        for error in (validator or Draft202012Validator(schema)).iter_errors(body):
            for key, message in _describe(error).items():
                errors.setdefault(key, []).append(message)
    for where in _with_control_characters(body):
        errors.setdefault(_path(where) or "body", []).append(CONTROL_MESSAGE)
    for where in _with_control_characters(body, pattern=_SURROGATE):
        errors.setdefault(_path(where) or "body", []).append(SURROGATE_MESSAGE)
    if errors:
        raise Invalid(errors)


def flatten(value, prefix: str = "", out: MultiDict | None = None) -> MultiDict:
    """{"uids": [{"uid": "x", "isPrimary": true}]} -> uids-0-uid=x, uids-0-isPrimary=y."""
    out = MultiDict() if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}-{key}" if prefix else key, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            flatten(item, f"{prefix}-{index}", out)
    elif value is True:
        out.add(prefix, "y")
    elif value is not None and value is not False:
        out.add(prefix, str(value))
    return out


def form_errors(errors: dict, prefix: str = "") -> dict[str, list[str]]:
    """WTForms' nested errors -> {"uids[1].uid": [...]}; list-level messages go to the list's key."""
    flat: dict[str, list[str]] = {}

    def add(key, messages):
        flat.setdefault(key, []).extend(messages)

    for name, value in errors.items():
        key = f"{prefix}.{name}" if prefix else name
        if name is None:  # form-level errors
            add(prefix or "body", value)
        elif isinstance(value, dict):
            flat.update(form_errors(value, key))
        elif isinstance(value, list) and any(isinstance(x, (dict, list)) for x in value):
            for index, entry in enumerate(value):
                if isinstance(entry, dict):
                    flat.update(form_errors(entry, f"{key}[{index}]"))
                elif isinstance(entry, list):
                    add(f"{key}[{index}]", entry)
                else:
                    add(key, [entry])
        else:
            add(key, list(value))
    return {k: m for k, m in flat.items() if m}


def read_json_object() -> dict:
    """The request body as a JSON object, or a 415/400 problem."""
    body = read_json(required=True)
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def read_json(required: bool = True):
    """The request body parsed as JSON, or a 415/400 answer."""
    if not request.is_json:
        raise UnsupportedMediaType("Unsupported media type: send application/json.")
    raw = request.get_data(cache=True)
    if not raw.strip():
        if not required:
            return None
        raise BadRequest("A JSON body is required.")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None


@functools.lru_cache(maxsize=256)
def _body_schema(form_cls, partial: bool) -> tuple[dict, Draft202012Validator, jsonschema_rs.Draft202012Validator]:
    """A form class's schema and its validators, built once: an import validates every row of a
    file with the same form. Formats are not asserted, as jsonschema does not by default."""
    schema = json_schema(form_cls, partial=partial)
    return schema, Draft202012Validator(schema), jsonschema_rs.Draft202012Validator(schema, validate_formats=False)


def validate_json(form_cls, *, base: dict | None = None, partial: bool = False, body: dict | None = None, **form_kwargs):
    """Validate the JSON body with `form_cls`; return (form, body) or raise a 400 problem.

    `base` holds stored values that fields left out of the body keep (partial update).
    """
    body = read_json_object() if body is None else body
    check_types(body, *_body_schema(form_cls, partial))
    merged = {**(base or {}), **body}
    form = form_cls(formdata=flatten(merged), meta={"csrf": False}, **form_kwargs)
    if not form.validate():
        raise Invalid(form_errors(form.errors))
    return form, body


class ManyBodies:
    """validate_json for many bodies of one form class (an import's rows), one after the other:
    the form is built once and processed anew for each body. Building a WTForms form binds every
    field again, the larger part of validating a small body. The returned form is only good
    until the next call."""

    def __init__(self, form_cls, **form_kwargs):
        self.form_cls, self.form_kwargs = form_cls, form_kwargs
        self.checks = _body_schema(form_cls, False)
        self.form = None

    def __call__(self, body: dict):
        check_types(body, *self.checks)
        formdata = flatten(body)
        if self.form is None:
            self.form = self.form_cls(formdata=formdata, meta={"csrf": False}, **self.form_kwargs)
        else:
            self.form.process(formdata=formdata)
            self.form.form_errors = []
        if not self.form.validate():
            raise Invalid(form_errors(self.form.errors))
        return self.form


# ---- Query strings: the same mechanism ---------------------------------------------------------
# A list filter is a plain Form whose fields are the query parameters. It validates them (errors
# keyed by parameter name) and is what the OpenAPI document publishes (`query_parameters`).

class TrueFalseField(f.Field):
    """A query flag: `true` or `false` (any case); absent or empty is None."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip().lower()
        self.data = None
        if raw in ("true", "false"):
            self.data = raw == "true"
        elif raw:
            raise ValueError(f"{self.name} must be true or false.")


class WholeNumberField(f.IntegerField):
    """A query id or count; absent or empty is None."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                super().process_formdata(valuelist)
            except ValueError:
                raise ValueError(f"{self.name} must be a whole number.") from None


class ChoiceField(f.SelectField):
    """One of a few values (matched without regard to case, kept in their own spelling), or absent."""

    def __init__(self, label=None, values=(), **kwargs):
        super().__init__(label, choices=["", *values], **kwargs)
        self.values = tuple(values)

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = next((known for known in self.values if known.lower() == raw.lower()), raw)

    def pre_validate(self, form):
        if self.data not in ("", None, *self.values):
            raise v.ValidationError(f"{self.name} must be one of: {', '.join(self.values)}.")


class IdListField(f.StringField):
    """Comma-separated ids, at most `max_ids`; absent is an empty list."""

    def __init__(self, label=None, max_ids: int = 100, **kwargs):
        super().__init__(label, **kwargs)
        self.max_ids = max_ids

    def process_formdata(self, valuelist):
        parts = [p.strip() for p in (valuelist[0] if valuelist else "").split(",") if p.strip()]
        self.data = []
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"{self.name} must be comma-separated whole numbers.")
        if len(parts) > self.max_ids:
            raise ValueError(f"{self.name} accepts at most {self.max_ids} ids.")
        self.data = [int(p) for p in parts]


class TimestampField(f.Field):
    """An ISO 8601 date or date-time (a Z or an offset; none means UTC), kept as naive UTC."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"{self.name} must be an ISO 8601 date or time, e.g. 2026-12-01T09:30:00Z.") from None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        self.data = value


def validate_query(form_cls, args):
    """The query string read by `form_cls` (a wtforms.Form); a 400 naming the parameter when malformed."""
    form = form_cls(formdata=args)
    if not form.validate():
        raise Invalid(form_errors(form.errors))
    return form


def query_parameters(form_cls) -> dict:
    """{name: (schema, description)} of a query form, for @documented(query=...)."""
    properties = json_schema(form_cls, partial=True)["properties"]
    defaults = {name: unbound.kwargs.get("default") for name, unbound in form_fields(form_cls)}
    out = {}
    for name, schema in properties.items():
        schema = dict(schema)
        if defaults.get(name) is not None:
            schema["default"] = defaults[name]
        description = schema.pop("description", "")
        if isinstance(schema.get("type"), list):  # optional parameters: no "null" in a query string
            schema["type"] = next(t for t in schema["type"] if t != "null")
            if "enum" in schema:
                schema["enum"] = [value for value in schema["enum"] if value not in (None, "")]
        out[name] = (schema, description)
    return out
