"""Names as others may see them: enough to recognise a friend, not enough to identify a stranger.

A display name comes from the friend's own profile, so it may say anything: "www.win-cash.biz",
"+1 415 555 0100", "Reply STOP to claim". What a referrer is shown is at most a short first
name made of letters; anything else is no name at all (the message says "a friend").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

FIRST_NAME_MAX = 12
# Links (with or without a scheme), e-mail addresses and runs of digits are never a name.
_LINKISH = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|@)\S*|\S+\.(?:[a-z]{2,24})(?:/\S*)?\b|\+?\d[\d\s().-]{3,}\d",
    re.IGNORECASE,
)
# Words that make a name read like an instruction from us: "Reply STOP", "Text START", "Call".
_COMMANDS = frozenset(
    "stop start reply text txt call click visit unsubscribe unsub join link code help free win "
    "claim cash prize urgent msg sms http https www com".split()
)
_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*", re.UNICODE)


def first_name(name: str) -> str | None:
    """A short, harmless first name from a display name, or None when there is none to show."""
    cleaned = _LINKISH.sub(" ", name)
    words = _WORD.findall(cleaned)
    if not words or any(w.casefold() in _COMMANDS for w in words):
        return None  # "Bob reply STOP" is not a name we repeat to anyone
    first = words[0]
    return first[:FIRST_NAME_MAX] if len(first) >= 1 else None


def mask_name(name: str) -> str:
    """`Alice` -> `Al***`, `김민수` -> `김**`, empty -> `***`."""
    visible = [ch for ch in (first_name(name) or "") if ch.isprintable()]
    if not visible:
        return "***"
    keep = 2 if len(visible) >= 5 else 1
    return "".join(visible[:keep]) + "*" * min(3, max(2, len(visible) - keep))


def distinct_masks(names: Sequence[str]) -> list[str]:
    """Masked names in which two different people never look like one: "Al***", "Al*** (2)"."""
    masks = [mask_name(name) for name in names]
    seen: Counter[str] = Counter()
    out = []
    for mask in masks:
        seen[mask] += 1
        out.append(mask if seen[mask] == 1 else f"{mask} ({seen[mask]})")
    return out
