"""Whether an action's schedule (`actionSchedule`) lets it run at a given moment.

The schedules the console writes read like "Mon-Fri 08:00-18:00": entries separated by ";" or new
lines, each naming days (a range Mon-Fri, a list Mon,Wed, or none: every day) and a time window
(none: all day; a window past midnight such as 22:00-06:00 runs on into the next day). They are read
in the action's time zone. A schedule in another form cannot be evaluated here, and is reported so.
"""
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ENTRY = re.compile(
    r"^(?P<days>[A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*)?\s*"
    r"(?:(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2}))?$"
)


@dataclass(frozen=True)
class Verdict:
    runs: bool | None  # None: the schedule cannot be evaluated
    reason: str


class Unreadable(ValueError):
    pass


def _days(text: str | None) -> set[int]:
    if not text:
        return set(range(7))
    found: set[int] = set()
    for part in re.split(r"\s*,\s*", text.lower()):
        bounds = [b.strip() for b in part.split("-")]
        if any(b not in DAYS for b in bounds):
            raise Unreadable(part)
        first, last = DAYS.index(bounds[0]), DAYS.index(bounds[-1])
        found.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)])
    return found


def _time(text: str) -> time:
    hours, minutes = (int(x) for x in text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise Unreadable(text)
    return time(hours, minutes)


def _entry_allows(entry: str, local: datetime) -> bool:
    match = _ENTRY.match(entry.strip())
    if not match or not (match["days"] or match["start"]):
        raise Unreadable(entry)
    days = _days(match["days"])
    if not match["start"]:
        return local.weekday() in days
    start, end, now = _time(match["start"]), _time(match["end"]), local.time()
    if start <= end:
        return local.weekday() in days and start <= now < end
    # past midnight: the evening belongs to the named day, the early morning to the day after it
    return (local.weekday() in days and now >= start) or ((local.weekday() - 1) % 7 in days and now < end)


def evaluate(schedule: str | None, time_zone_id: str | None, at: datetime) -> Verdict:
    """`at` is naive UTC or aware."""
    if not (schedule or "").strip():
        return Verdict(True, "")
    try:
        zone = ZoneInfo(time_zone_id or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return Verdict(None, f"The schedule's time zone {time_zone_id!r} is unknown, so the schedule cannot be evaluated.")
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    entries = [e for e in re.split(r"[;\n]", schedule) if e.strip()]
    try:
        allowed = any(_entry_allows(entry, local) for entry in entries)
    except Unreadable:
        return Verdict(None, f"The schedule {schedule.strip()!r} is not in a form the dry run can read "
                             "(e.g. \"Mon-Fri 08:00-18:00\"), so it cannot say whether the action would run.")
    when = f"{local:%a %H:%M} {zone.key}"
    if allowed:
        return Verdict(True, f"Inside its schedule ({schedule.strip()}) at {when}.")
    return Verdict(False, f"Outside its schedule ({schedule.strip()}) at {when}.")
