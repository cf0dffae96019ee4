"""Retry-After as the providers send it, read once for all of them: delay-seconds or an
HTTP-date (RFC 9110 section 10.2.3), or Telegram's `parameters.retry_after` number, turned into
a wait the dispatcher can honour.

A garbled value must never stall a channel for good or crash a send (`timedelta(seconds=inf)`
raises), so a wait is finite, at least zero and at most MAX_WAIT; what cannot be read is None,
and each channel says what it waits then. The standard library's parsedate_to_datetime reads
the date forms HTTP allows.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_WAIT = 3600.0  # seconds: a far-off or garbled Retry-After must not stall a row for days


def retry_after(value: object, now: datetime) -> float | None:
    """Seconds to wait, from 0 to MAX_WAIT; None when there is no header or it says nothing
    readable. `value`: the header as the HTTP client hands it (a string, or a list of them,
    the first counting); `now`: the wall clock, for a date."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)  # RFC 9110 says whole seconds; a "1.5" is read as meant
    except ValueError:
        return _until(text, now)
    return bounded(seconds)


def bounded(seconds: object) -> float | None:
    """A number of seconds as a wait from 0 to MAX_WAIT (Telegram's JSON number, a header's
    digits); None for anything else: a string, a boolean, a negative, NaN or infinity."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return None
    try:
        wait = float(seconds)
    except OverflowError:  # an integer past any float: far off, so the cap
        return MAX_WAIT
    if not math.isfinite(wait) or wait < 0:  # "inf" and "1e400" are garbled, not far off
        return None
    return min(wait, MAX_WAIT)


def _until(text: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": the date is UTC all the same
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), MAX_WAIT)
