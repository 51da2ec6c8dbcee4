"""A fixed-window rate limit that costs one storage round trip per request.

limits' "fixed-window" starts a window at the first hit, so the X-RateLimit-Reset header needs the
key's expiry and the remaining count from storage after the hit: incr, get and get_expiry, three
round trips to Redis on every API call. Here the windows are aligned to the clock (window n covers
[n * length, (n + 1) * length)) and the window number is part of the key, so the reset time is
known without asking, and the count that incr returns gives the remaining quota: one incr per
limit. The counters still live in RATELIMIT_STORAGE_URI (memory:// or redis://, shared by every
process) with the same amounts; like any fixed window, a burst across a boundary can reach twice
the amount within a short span.

Registered with limits as RATELIMIT_STRATEGY = "clock-window" (see config.py).
"""
import time

from flask import g, has_request_context
from limits import RateLimitItem
from limits.strategies import STRATEGIES, RateLimiter
from limits.util import WindowStats

NAME = "clock-window"


def _window(item: RateLimitItem, now: float) -> tuple[int, float]:
    """The number of the window `now` falls in and the time it ends."""
    length = item.get_expiry()
    number = int(now // length)
    return number, (number + 1) * length


class ClockWindowRateLimiter(RateLimiter):
    def _key(self, item: RateLimitItem, identifiers, number: int) -> str:
        return f"{item.key_for(*identifiers)}/{number}"

    def _remember(self, key: str, stats: WindowStats) -> None:
        """The window after this request's hit, for the headers of the same request."""
        if has_request_context():
            g.setdefault("_ratelimit_windows", {})[key] = stats

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        number, reset = _window(item, time.time())
        key = self._key(item, identifiers, number)
        count = self.storage.incr(key, item.get_expiry(), amount=cost)
        self._remember(item.key_for(*identifiers), WindowStats(reset, max(0, item.amount - count)))
        return count <= item.amount

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        number, _ = _window(item, time.time())
        return self.storage.get(self._key(item, identifiers, number)) < item.amount - cost + 1

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        if has_request_context():
            known = g.get("_ratelimit_windows", {}).get(item.key_for(*identifiers))
            if known is not None:
                return known
        number, reset = _window(item, time.time())
        return WindowStats(reset, max(0, item.amount - self.storage.get(self._key(item, identifiers, number))))

    def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        number, _ = _window(item, time.time())
        self.storage.clear(self._key(item, identifiers, number))


STRATEGIES.setdefault(NAME, ClockWindowRateLimiter)
