"""Response DTOs, each declared once: every field's JSON schema next to how its value is read.

    CHANNEL = Dto("ChannelReadDTO", {
        "channelID": (INTEGER, "id"),
        "secretRotatedAt": (nullable(TIMESTAMP), iso_of("secret_rotated_at")),
        "hasSecret": (BOOLEAN, lambda channel: channel.secret_hash is not None),
    })
    CHANNEL.dump(channel)  -> the JSON body;   CHANNEL.schema -> its schema in the OpenAPI document

A getter is an attribute path ("channel.name": None as soon as a step is None), a function of
the object, or from_context(key) for a value the object does not know, passed to dump() as a
keyword (dump rejects keywords no field reads, like a function call). A nested DTO is
`OTHER.many(getter)`: its schema and its dump are the other declaration's.
"""
from typing import Any, Callable, NamedTuple

from app.timeutil import iso

Getter = str | Callable[[Any], Any]


class FromContext(NamedTuple):
    """A value passed to dump() as the keyword `key` (default when absent), then transformed."""

    key: str
    default: Any = None
    then: Callable[[Any], Any] | None = None

    def __call__(self, obj, context: dict):
        value = context.get(self.key, self.default)
        return self.then(value) if self.then else value


def from_context(key: str, default=None, then: Callable[[Any], Any] | None = None) -> FromContext:
    return FromContext(key, default, then)


def attr(path: str, then: Callable[[Any], Any] | None = None) -> Callable[[Any], Any]:
    """Read a dotted attribute path; None as soon as a step is None (then is not applied to it)."""
    steps = path.split(".")

    def get(obj):
        for step in steps:
            if obj is None:
                return None
            obj = getattr(obj, step)
        return then(obj) if then and obj is not None else obj

    return get


def iso_of(path: str) -> Callable[[Any], Any]:
    """A timestamp attribute in ISO 8601 with a Z (None stays None)."""
    return attr(path, iso)


def const(value) -> Callable[[Any], Any]:
    return lambda obj: value


class Field(NamedTuple):
    schema: dict
    read: Callable[[Any, dict], Any]  # (obj, context) -> value
    required: bool = True  # an optional field is left out of the dump when its value is None
    context_keys: frozenset = frozenset()


def field(schema: dict, getter: Getter, required: bool = True) -> Field:
    if isinstance(getter, FromContext):
        return Field(schema, getter, required, frozenset({getter.key}))
    get = attr(getter) if isinstance(getter, str) else getter
    return Field(schema, lambda obj, context: get(obj), required)


def optional(schema: dict, getter: Getter) -> Field:
    """A field that may be absent: not required by the schema, left out of the dump when None."""
    return field(schema, getter, required=False)


class Dto:
    """One response DTO: `schema` documents it, `dump(obj, **context)` serialises it.

    The schema is what the OpenAPI document expects of a response: every required property is
    always present and nothing else is ({"title", "type", "properties", "required",
    "additionalProperties": false}). A titled schema becomes a named component; title=None
    keeps it inline. closed=False leaves additionalProperties open.
    """

    def __init__(self, title: str | None, fields: dict[str, tuple | Field], description: str | None = None,
                 closed: bool = True):
        self.title = title
        self.fields: dict[str, Field] = {
            name: spec if isinstance(spec, Field) else field(*spec) for name, spec in fields.items()
        }
        self.context_keys = frozenset().union(*(f.context_keys for f in self.fields.values()))
        schema = {"title": title} if title else {}
        schema.update({
            "type": "object",
            "properties": {name: f.schema for name, f in self.fields.items()},
            "required": [name for name, f in self.fields.items() if f.required],
        })
        if closed:
            schema["additionalProperties"] = False
        if description:
            schema["description"] = description
        self.schema = schema

    def __repr__(self) -> str:
        return f"Dto({self.title!r})"

    def _check(self, context: dict) -> None:
        unknown = set(context) - self.context_keys
        if unknown:
            raise TypeError(f"{self.title or 'Dto'}.dump() got unexpected keyword(s) {sorted(unknown)}")

    def dump(self, obj, **context) -> dict:
        self._check(context)
        body = {}
        for name, f in self.fields.items():
            value = f.read(obj, context)
            if f.required or value is not None:
                body[name] = value
        return body

    def values(self, obj, names, **context) -> dict:
        """Some fields of the dump, as dump() reads them."""
        self._check(context)
        return {name: self.fields[name].read(obj, context) for name in names}

    def many(self, getter: Getter) -> Field:
        """A field holding a list of this DTO: getter gives the objects, each dumped by this Dto."""
        items = field({}, getter)
        return Field({"type": "array", "items": self.schema},
                     lambda obj, context: [self.dump(item) for item in items.read(obj, context)],
                     context_keys=items.context_keys)
