"""Finding a referral code in a message: a code-like token in free text, a code after a join
keyword in any of our languages, or the raw token after a join keyword (so the join flow can say
"that code isn't valid" instead of the bot shrugging)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.codes import normalize_code
from bot.core.grammar_files import compile_patterns, fold, grouped

# A code-like token: 8 characters with hyphens between them, two halves (K7Q2 M9XA, K7Q2.M9XA,
# K7Q2 - M9XA), or read out one character at a time (K 7 Q 2 M 9 X A).
_TOKEN = re.compile(
    r"(?<![0-9a-z-])([0-9a-z](?:-?[0-9a-z]){7}|[0-9a-z]{4}(?: ?[-.] ?| )[0-9a-z]{4}"
    r"|[0-9a-z](?: [0-9a-z]){7})"
    r"(?![0-9a-z]|-[0-9a-z])"
)
_LETTER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")
_LOOK_BACK = 40  # characters before a token searched for a join keyword


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeFinder:
    join_before: tuple[tuple[str, re.Pattern[str]], ...]  # (script, keyword ending the text)
    join_raw: re.Pattern[str]
    join_tail: re.Pattern[str]  # a keyword and a token at the end of a sentence
    not_codes: frozenset[str]
    vocabulary: frozenset[str]  # words, so "join b9wx" is not read as half a code

    @classmethod
    def build(
        cls,
        keywords: Mapping[str, list[str]],
        not_codes: Iterable[str],
        vocabulary: frozenset[str],
    ) -> CodeFinder:
        """`keywords`: each script's join keyword patterns."""
        keyword = compile_patterns(p for found in keywords.values() for p in found).pattern
        return cls(
            join_before=tuple(
                (script, re.compile(rf"(?:{compile_patterns(group).pattern})\s*[:=#]?\s*$"))
                for script, found in keywords.items()
                for group in grouped(found)
            ),
            join_raw=re.compile(rf"(?:{keyword})\s*[:=#]?\s*([0-9a-z][!-~]{{0,63}})"),
            join_tail=re.compile(
                rf"(?:{keyword})\s*[:=#]?\s*([0-9a-z][0-9a-z-]{{2,15}})(?![0-9a-z-])[^0-9a-z]{{0,8}}$"
            ),
            not_codes=frozenset(fold(w) for w in not_codes),
            vocabulary=vocabulary,
        )

    def find(self, folded: str, present: frozenset[str]) -> str | None:
        """A code-like token, a code after a join keyword, or a join keyword's raw token."""
        start = 0
        while (match := _TOKEN.search(folded, start)) is not None:
            start = match.end()
            halves = match[1].split(" ")
            if len(halves) == 2 and any(h in self.vocabulary for h in halves):
                start = match.start() + 5  # "join b9wx b1a9": JOIN is a word, not a half
                continue
            token = match[1].replace(" ", "").replace(".", "")
            code = normalize_code(token)
            if code is None:
                continue
            # Free text needs digits and letters ("password", "20240115" are not codes);
            # after a join keyword any valid shape will do.
            if _DIGIT.search(token) and _LETTER.search(token):
                return code
            if " " not in match[1] and self._after_keyword(folded, match.start(), present):
                return code
        raw = self.join_raw.fullmatch(folded)
        if raw is None:
            return None
        token = raw[1].rstrip(".,!?;:)")
        return token.upper() if token and token not in self.not_codes else None

    def find_in_sentence(self, folded: str) -> str | None:
        """A code-like token of the wrong length closing a sentence after a join keyword ("my
        friend gave me code ABC123", "친구가 준 코드 ABC123 이요"): letters and digits both, as
        free-text codes have, followed by no other Latin word or number."""
        match = self.join_tail.search(folded)
        if match is None or not (_DIGIT.search(match[1]) and _LETTER.search(match[1])):
            return None
        return match[1].upper()

    def _after_keyword(self, folded: str, start: int, present: frozenset[str]) -> bool:
        return any(
            script in present and pattern.search(folded, max(0, start - _LOOK_BACK), start)
            for script, pattern in self.join_before
        )
