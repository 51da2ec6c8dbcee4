"""Filling an action's {{placeholders}} (endpoint, headers, body) for a dry run.

Templates run in Jinja's sandbox: no attribute of a Python object is reachable, only the values
handed in (plain dicts and strings). A placeholder naming nothing renders empty and is reported by
its full path (`endUser.customerNumber`); a template that does not parse is reported too, never
raised.
"""
import contextvars
from dataclasses import dataclass, field
from functools import lru_cache

from jinja2 import TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment


class Values(dict):
    """A dict that knows its placeholder path, so that a missing key is reported as `a.b.c`."""

    def __init__(self, path: str, values: dict):
        super().__init__({k: Values(f"{path}.{k}", v) if isinstance(v, dict) else v for k, v in values.items()})
        self.path = path


@dataclass
class Rendering:
    unknown: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_current: contextvars.ContextVar[Rendering] = contextvars.ContextVar("placeholder_rendering")


class _Reported(Undefined):
    """Renders as nothing and notes, in the rendering under way, the path it was asked for."""

    def _note(self):
        owner = getattr(self._undefined_obj, "path", None)
        name = f"{owner}.{self._undefined_name}" if owner else str(self._undefined_name)
        unknown = _current.get().unknown
        if name not in unknown:
            unknown.append(name)

    def __str__(self):
        self._note()
        return ""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._note()
        return self

    def __getitem__(self, name):
        self._note()
        return self

    def __iter__(self):
        self._note()
        return iter(())


_ENVIRONMENT = SandboxedEnvironment(undefined=_Reported, autoescape=False, keep_trailing_newline=True)


@lru_cache(maxsize=512)
def _compiled(template: str):
    return _ENVIRONMENT.from_string(template)


def render(template: str | None, values: dict, rendering: Rendering) -> str | None:
    """The template filled from `values`; on a template error the raw text (and the error noted)."""
    if template is None or template == "":
        return template
    token = _current.set(rendering)
    try:
        return _compiled(template).render(
            {name: Values(name, v) if isinstance(v, dict) else v for name, v in values.items()})
    except TemplateError as exc:
        rendering.errors.append(f"{type(exc).__name__}: {exc.message or exc}")
        return template
    except Exception as exc:  # noqa: BLE001  (whatever a template does, the dry run reports it)
        rendering.errors.append(f"The template could not be evaluated: {type(exc).__name__}.")
        return template
    finally:
        _current.reset(token)
