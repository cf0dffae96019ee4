"""Greetings, thanks, goodbyes, a polite no and acknowledgements: "hi", "thanks!", "bye",
"no thanks", "ok", 👍, 고마워, 谢谢, 在吗.

A message is small talk only when it is made of nothing else: "thanks, ok" is, "thanks, send my
link" is not (the grammar reads the link request). The words live in the `[smalltalk]` section
of each grammar file, one list per kind, matched in this order: a no first ("no thanks" is no
thanks at all), then thanks ("ok thanks" deserves "you're welcome"), bye before hello (안녕히
계세요 holds 안녕), ok last.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

KINDS = ("no", "thanks", "bye", "hello", "ok")
_LEFTOVER = re.compile(r"[\w]")  # anything wordy left means the message said more


@dataclass(frozen=True, slots=True)
class Smalltalk:
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # (kind, phrases), in KINDS order
    fillers: re.Pattern[str] | None  # particles that may trail small talk: 了解了, ok的

    @classmethod
    def build(cls, sections: Iterable[Mapping[str, object]]) -> Smalltalk:
        phrases: dict[str, list[str]] = {kind: [] for kind in KINDS}
        fillers: list[str] = []
        for section in sections:
            found = section.get("fillers", [])
            if isinstance(found, list):
                fillers.extend(re.escape(str(f)) for f in found)
            for kind in KINDS:
                found = section.get(kind, [])
                if isinstance(found, list):
                    phrases[kind].extend(unicodedata.normalize("NFKC", str(p)) for p in found)
        return cls(
            tuple(
                (kind, re.compile("|".join(_bounded(p) for p in sorted(found, key=len)[::-1])))
                for kind, found in phrases.items()
                if found
            ),
            re.compile("|".join(fillers)) if fillers else None,
        )

    def kind(self, folded: str) -> str | None:
        """ "thanks", "hello" or "ok" when the whole message is small talk, else None."""
        rest, kinds = folded, set()
        for kind, pattern in self.patterns:
            rest, hits = pattern.subn(" ", rest)
            if hits:
                kinds.add(kind)
        if kinds and self.fillers is not None:
            rest = self.fillers.sub(" ", rest)
        if not kinds or _LEFTOVER.search(rest):
            return None
        return next(kind for kind in KINDS if kind in kinds)


def _bounded(phrase: str) -> str:
    """Latin phrases match whole words ("ok" not in "okra"); others are plain substrings."""
    if phrase.isascii() and phrase[:1].isalnum():
        return rf"(?<![a-z]){phrase}(?![a-z])"
    return phrase
