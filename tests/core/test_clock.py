"""Times leave the process in one form: what a webhook, the API and an export all write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.clock import rfc3339

SEOUL = timezone(timedelta(hours=9))


def test_a_time_is_written_in_utc_to_the_millisecond_with_a_z() -> None:
    assert rfc3339(datetime(2026, 11, 23, 15, 0, tzinfo=UTC)) == "2026-11-23T15:00:00.000Z"
    assert rfc3339(datetime(2026, 11, 23, 15, 0, 1, 234567, tzinfo=UTC)) == (
        "2026-11-23T15:00:01.234Z"
    )  # cut, not rounded: never later than it happened


def test_a_time_held_in_another_zone_is_written_in_utc() -> None:
    assert rfc3339(datetime(2026, 11, 24, 0, 30, tzinfo=SEOUL)) == "2026-11-23T15:30:00.000Z"


def test_a_time_without_a_zone_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        rfc3339(datetime(2026, 11, 23, 15, 0))
