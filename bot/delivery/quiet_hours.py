"""Quiet hours in the recipient's time zone: when a proactive message may next go out.

The zone is the one stored for the person; else what the phone number says; else the program's
default, together with the zone their language is mostly spoken in (Korean: Seoul; Chinese:
UTC+8), where the channel tells no zone (Telegram): a thank-you waits for an hour decent in
both, since a Korean speaker on Telegram is most likely in Korea but may be anywhere.

A number whose area spans several zones (US 208 is Boise and Los Angeles, toll-free numbers
span Guam to Newfoundland) is treated as being in all of them: the message waits until it is
allowed in every one, which is what "not before 8 a.m. at the called party's local time" asks
when we cannot know which is theirs. When the zones are so far apart that no common
moment exists, the program's default zone decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.messages import Address
from bot.core.program import QuietHours

_SEARCH = timedelta(days=2)  # a common window, if there is one, recurs within a day


def zone(name: str | None) -> ZoneInfo | None:
    """The zone of an IANA name, or None when it is missing or unknown."""
    if not name or name == "Etc/Unknown":  # the phonenumbers library's "no idea"
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def number_zones(address: Address) -> tuple[ZoneInfo, ...]:
    """The zones an SMS number may be in, in the library's (alphabetical) order."""
    if address.channel != "sms":
        return ()
    # Imported for the first SMS number: ~2 MB of metadata a process without SMS never needs.
    import phonenumbers
    from phonenumbers import timezone as number_timezone

    try:
        number = phonenumbers.parse(address.id, None)
    except phonenumbers.NumberParseException:
        return ()
    found = (zone(name) for name in number_timezone.time_zones_for_number(number))
    return tuple(z for z in found if z is not None)


# Where a language of ours is mostly spoken; English is everywhere, so it tells nothing.
LANGUAGE_ZONES = {"ko": "Asia/Seoul", "zh-Hans": "Asia/Shanghai", "zh-Hant": "Asia/Taipei"}


def recipient_zones(
    stored: str | None, address: Address, default: ZoneInfo, lang: str | None = None
) -> tuple[ZoneInfo, ...]:
    """Stored zone, else the number's zones, else the language's zone with the program
    default, else the program default."""
    mine = zone(stored)
    if mine is not None:
        return (mine,)
    found = number_zones(address)
    if found:
        return found
    # The terminal's person sits at this machine, in the program's zone.
    spoken = zone(LANGUAGE_ZONES.get(lang or "")) if address.channel != "console" else None
    if spoken is not None and spoken.key != default.key:
        return (spoken, default)
    return (default,)


def next_allowed_in(now: datetime, where: ZoneInfo, window: QuietHours) -> datetime:
    """`now` when it is not quiet there, else the end of the quiet hours, in UTC."""
    local = now.astimezone(where)
    if not window.is_quiet(local.time()):
        return now
    day = local.date()
    if window.end <= local.time():  # the evening half of a window spanning midnight
        day += timedelta(days=1)
    end = datetime.combine(day, window.end, tzinfo=where).astimezone(UTC)
    # A DST jump can put the wall-clock end at or before `now`; never go backwards.
    return end if end > now else now + timedelta(minutes=1)


def next_allowed(now: datetime, zones: Sequence[ZoneInfo], window: QuietHours) -> datetime | None:
    """The earliest moment at or after `now` outside quiet hours in every zone; None if none."""
    moment = now
    # Each step jumps to a window's end in some zone and never passes the answer, so a few
    # steps per zone and day find it (or show there is none).
    for _ in range(4 * len(zones) + 4):
        later = max(next_allowed_in(moment, z, window) for z in zones)
        if later == moment:
            return moment
        if later - now > _SEARCH:
            return None
        moment = later
    return None


def allowed_from(
    now: datetime, zones: Sequence[ZoneInfo], window: QuietHours, default: ZoneInfo
) -> datetime:
    """When a proactive message may go: in all `zones`, or by the default zone if they disagree."""
    found = next_allowed(now, zones, window)
    if found is None:
        found = next_allowed_in(now, default, window)
    return found
