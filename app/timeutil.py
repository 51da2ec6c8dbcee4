"""Timestamps are stored as naive UTC and written on the wire as ISO 8601 with a Z."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def as_utc(value: datetime | str | None) -> datetime | None:
    """A stored naive-UTC datetime or an ISO 8601 string, as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def in_zone(value: datetime, zone_name: str | None) -> datetime:
    """An aware datetime in the IANA zone named (UTC when the name is unknown)."""
    try:
        return value.astimezone(ZoneInfo(zone_name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return value
