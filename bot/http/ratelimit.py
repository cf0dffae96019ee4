"""A per-client request limit for public endpoints, kept in memory per process.

For floods (referral-link clicks, the web chat), where a limit per process is enough: with N
`serve` processes a client gets up to N times the rate, and a restart starts over. Wrong
passwords, whose every try counts, are limited in the database instead (sign_in_limit.py).
(`limits`/`slowapi` would bring storage backends and decorators we do not need for one route.)
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from bot.core.clock import Clock


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimit:
    """Token bucket per key: `rate` requests a second on average, `burst` at once."""

    def __init__(self, *, clock: Clock, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = float(burst)
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, key: str) -> bool:
        now = self._clock.now().timestamp()
        bucket = self._buckets.pop(key, None) or _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        self._buckets[key] = bucket  # most recent last, so the oldest are evicted first
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return allowed

    def wait(self, key: str) -> float:
        """Seconds until `key` may make a request again (0 when it may now): a refused client
        is told when its bucket next holds a whole token, not a guess."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        now = self._clock.now().timestamp()
        tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        return max(0.0, (1.0 - tokens) / self._rate)

    def retry_after(self, key: str) -> int:
        """`wait` as a refusal's Retry-After says it: whole seconds rounded up, at least 1, so a
        client retrying then is let in."""
        return max(1, math.ceil(self.wait(key)))
