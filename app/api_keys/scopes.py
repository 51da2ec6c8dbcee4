"""What an API key may call: a scope per area and verb, decided from the path and the method.

Read is GET and HEAD, write every other method. A path outside every area (keys, representatives,
audit events, logins) matches no scope, so a key is refused there whatever it carries.
"""
import re

READ_METHODS = frozenset({"GET", "HEAD"})
AREAS = {
    "settings": re.compile(r"^/api/Customers(/|$)"),
    "endusers": re.compile(r"^/api/(EndUsers|EndUserUIDs)(/|$)"),
    "actions": re.compile(r"^/api/(Actions|TopicActions|HookActions|Topics|Channels)(/|$)"),
}
SCOPES = tuple(f"{area}:{verb}" for area in AREAS for verb in ("read", "write"))
SCOPE_LABELS = {
    "settings:read": "Read account settings (/api/Customers)",
    "settings:write": "Change account settings",
    "endusers:read": "Read end users (/api/EndUsers, /api/EndUserUIDs)",
    "endusers:write": "Create, change and delete end users",
    "actions:read": "Read actions, links, topics and channels",
    "actions:write": "Change actions, links, topics and channels",
}


def required_scope(method: str, path: str) -> str | None:
    """The scope a request needs, or None when no key may make it."""
    verb = "read" if method.upper() in READ_METHODS else "write"
    for area, pattern in AREAS.items():
        if pattern.match(path):
            return f"{area}:{verb}"
    return None


def allows(scopes, method: str, path: str) -> bool:
    needed = required_scope(method, path)
    return needed is not None and needed in scopes
