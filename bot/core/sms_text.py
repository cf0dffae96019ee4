"""What a text costs as SMS: GSM-7 when every character fits that alphabet, else UCS-2.

Segment sizes follow 3GPP TS 23.038/23.040: one GSM-7 message holds 160 septets and each part of
a concatenated one 153 (the rest is the UDH); UCS-2 holds 70 UTF-16 code units, 67 per part.
See https://www.twilio.com/docs/glossary/what-sms-character-limit
"""

from __future__ import annotations

from typing import Literal

SmsEncoding = Literal["GSM-7", "UCS-2"]

# The GSM 03.38 default alphabet (ESC 0x1B left out: it only prefixes extension characters).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape septet plus its own.
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_GSM7 = _GSM7_BASIC | _GSM7_EXTENSION

_LIMITS: dict[SmsEncoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


def sms_encoding(text: str) -> SmsEncoding:
    """GSM-7 if every character is in its alphabet; one emoji or hanzi makes it all UCS-2."""
    return "GSM-7" if _GSM7.issuperset(text) else "UCS-2"


def _char_units(char: str, encoding: SmsEncoding) -> int:
    if encoding == "GSM-7":
        return 2 if char in _GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1  # astral characters take a UTF-16 surrogate pair


def sms_units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text needs."""
    encoding = sms_encoding(text)
    return sum(_char_units(char, encoding) for char in text)


def sms_segments(text: str) -> int:
    """How many SMS the text is billed and delivered as; an empty text is 0."""
    encoding = sms_encoding(text)
    single, part = _LIMITS[encoding]
    if not text:
        return 0
    if len(text) <= single and (
        _GSM7_EXTENSION.isdisjoint(text) if encoding == "GSM-7" else max(text) <= "\uffff"
    ):
        return 1  # the common case, a short reply: no per-character work
    sizes = [_char_units(char, encoding) for char in text]
    if sum(sizes) <= single:
        return 1 if sizes else 0
    # Encoders never split an escape sequence or a surrogate pair across two parts.
    parts, used = 1, 0
    for size in sizes:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts
