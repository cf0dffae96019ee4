"""Retry-After, as Twilio, Slack and a CRM might send it, good and garbled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.retry_after import MAX_WAIT, bounded, retry_after

NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),  # not RFC 9110's whole seconds, but plain in meaning
        (["30", "5"], 30.0),  # a client that hands every value: the first counts
        ("Wed, 02 Dec 2026 09:00:30 GMT", 30.0),
        ("Wed, 02 Dec 2026 09:00:30 -0000", 30.0),
        ("Wednesday, 02-Dec-26 09:01:00 GMT", 60.0),  # RFC 850, obsolete but allowed
        ("Wed, 02 Dec 2026 08:59:00 GMT", 0.0),  # already past: go now
        ("999999999", MAX_WAIT),  # days away: capped, the row is not parked for good
        ("Fri, 01 Jan 2100 00:00:00 GMT", MAX_WAIT),
    ],
)
def test_a_readable_retry_after_is_a_bounded_wait(header: object, wait: float) -> None:
    assert retry_after(header, NOW) == wait


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "-5",
        "inf",
        "-inf",
        "nan",
        "1e400",
        "soon",
        "12 seconds",
        [],
        42,
        "Wed, 32 Dec 2026 09:00:30 GMT",
        "\x00",
    ],
)
def test_an_unreadable_retry_after_is_none(header: object) -> None:
    assert retry_after(header, NOW) is None


@pytest.mark.parametrize(
    ("number", "wait"),
    [
        (5, 5.0),
        (2.5, 2.5),
        (0, 0.0),
        (10**400, MAX_WAIT),
        (1e20, MAX_WAIT),
        (-1, None),
        (float("inf"), None),
        (float("nan"), None),
        (True, None),
        ("5", None),
        (None, None),
    ],
)
def test_telegrams_retry_after_number_is_bounded_the_same_way(number: object, wait: float) -> None:
    assert bounded(number) == wait
