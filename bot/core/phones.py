"""Phone numbers as addresses: one E.164 spelling per person, and what the number itself says
about a newcomer (their likely language and, where the number pins it down, their time zone)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.messages import Address, Profile

if TYPE_CHECKING:
    import phonenumbers

# phonenumbers is imported in each function that reads a number, not here: its metadata (~2 MB)
# would stay in every process, a Telegram-only one included, that never sees a phone number.

CHANNEL = "sms"

# Country calling code -> the language a newcomer most likely reads; everyone else gets English.
LANGUAGE_BY_COUNTRY = {82: "ko", 886: "zh-Hant", 852: "zh-Hant", 853: "zh-Hant", 86: "zh-Hans"}
# A +number, perhaps with spacing; phonenumbers alone would also find one in "whatsapp:+1...".
_SPELLING = re.compile(r"\+[0-9][0-9 ().-]{1,30}")


def _parse(raw: str) -> phonenumbers.PhoneNumber | None:
    if not _SPELLING.fullmatch(raw):
        return None
    import phonenumbers  # on first use: see above

    try:
        number = phonenumbers.parse(raw, None)  # no default region: only +country numbers
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


@lru_cache(maxsize=4096)  # every inbound SMS names its sender; ~0.03 ms a number to parse
def sms_address(raw: str) -> Address | None:
    """The sender as `Address("sms", "+14155550100")`, or None for anything not a phone number.

    Possible rather than valid numbers are accepted: newly issued ranges reach us before the
    library's metadata knows them.
    """
    number = _parse(raw.strip())
    if number is None:
        return None
    import phonenumbers  # on first use: see above

    return Address(CHANNEL, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# A number as people write it at home: "010-1234-5678", "0912 345 678", "(02) 2345-6789".
_NATIONAL = re.compile(r"[0-9(][0-9 ().-]{1,30}")


def known_region(region: str) -> bool:
    """An ISO 3166 country code phonenumbers has a numbering plan for (KR, TW, US, ...)."""
    import phonenumbers  # on first use: see above

    return region.upper() in phonenumbers.SUPPORTED_REGIONS


def phone_address(raw: str, *, region: str | None = None) -> Address | None:
    """A customer's number as the business wrote it, in E.164: with its +country code always,
    and in the national form too when the business's region is known."""
    text = raw.strip()
    if region is None or text.startswith("+"):
        return sms_address(text)
    if not _NATIONAL.fullmatch(text):
        return None
    import phonenumbers  # on first use: see above

    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return Address(CHANNEL, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@lru_cache(maxsize=4096)  # people text again and again; this is ~0.15 ms a number uncached
def number_profile(e164: str) -> Profile:
    """The `lang` hint and, when the number maps to a single zone, the `time_zone`."""
    number = _parse(e164)
    if number is None:
        return Profile(lang="en")
    from phonenumbers import timezone as number_timezone  # on first use: see above

    zones = number_timezone.time_zones_for_number(number)
    return Profile(
        lang=LANGUAGE_BY_COUNTRY.get(number.country_code or 0, "en"),
        time_zone=zones[0] if len(zones) == 1 and known_zone(zones[0]) else None,
    )


def known_zone(name: str) -> bool:
    """An IANA zone this machine's tz database knows (a number's or a provider's guess)."""
    if name == "Etc/Unknown":  # the library's "no idea"
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def masked_number(e164: str) -> str:
    """+14155550001 -> "+1 ••• ••• 0001": the country and the last four digits, enough for
    staff to tell two customers apart and find them, not enough to call."""
    number = _parse(e164)
    digits = [ch for ch in e164 if ch.isdigit()]
    if number is None or len(digits) < 6:
        return "•••" + "".join(digits[-2:])
    import phonenumbers  # on first use: see above

    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    country, _, national = shown.partition(" ")
    hidden = sum(ch.isdigit() for ch in national) - 4
    out = []
    for ch in national:
        if ch.isdigit() and hidden > 0:
            out.append("•")
            hidden -= 1
        else:
            out.append(" " if ch == "-" else ch)
    return f"{country} {''.join(out)}"
