"""The per-client limit of public endpoints says how long a refused client waits, to the
moment its bucket lets it in again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock
from bot.http.ratelimit import RateLimit


def test_a_refused_client_is_told_when_it_is_let_in_again() -> None:
    clock = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    limit = RateLimit(clock=clock, rate=0.1, burst=2)  # one request per 10 s, two at once
    assert limit.wait("a") == 0.0  # never seen: no wait
    assert limit.allow("a") and limit.allow("a") and not limit.allow("a")
    assert limit.wait("a") == 10.0
    clock.advance(timedelta(seconds=3))
    assert limit.wait("a") == pytest.approx(7.0) and not limit.allow("a")
    clock.advance(timedelta(seconds=7))
    assert limit.wait("a") == 0.0 and limit.allow("a")
    assert limit.wait("b") == 0.0  # another client is not held by this one


def test_a_refusal_says_its_wait_in_whole_seconds_rounded_up() -> None:
    """Retry-After takes whole seconds: rounded down, a client retrying then is refused again."""
    clock = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    limit = RateLimit(clock=clock, rate=0.25, burst=1)  # one request per 4 s
    assert limit.allow("a") and not limit.allow("a")
    assert limit.retry_after("a") == 4
    clock.advance(timedelta(seconds=2.5))
    assert limit.retry_after("a") == 2  # 1.5 s
    clock.advance(timedelta(seconds=1.25))
    assert limit.retry_after("a") == 1  # 0.25 s: never 0, which would say "now" to a refusal
