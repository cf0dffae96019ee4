"""A second opinion behind the grammar: SMS shorthand and typos turned into the words it knows.

"lnk", "hw many", "refs", "linkk", "stpo": when the grammar finds nothing in a message, each
Latin word the grammar does not know is mapped through the shorthand table, stripped of
doubled letters, or matched to the nearest known word by optimal-string-alignment distance
(rapidfuzz: insertions, deletions, substitutions and swapped neighbours), and the corrected
text is read again. Known words are never touched, so "top" stays "top" and "shop" stays
"shop" (the vocabulary lists everyday words as well as the grammar's own).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_WORD = re.compile(r"[a-z]+")
_RUNS = re.compile(r"([a-z])\1+")


def _allowed(length: int) -> int:
    """Edits tolerated for a word of this length: short words have many close neighbours."""
    if length <= 2:
        return 0
    return 1 if length <= 6 else 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Speller:
    vocabulary: frozenset[str]
    shorthand: Mapping[str, str]
    choices: tuple[str, ...]  # the grammar's own keywords, the only targets of a correction

    @classmethod
    def build(cls, sections: Iterable[Mapping[str, object]], keywords: Iterable[str]) -> Speller:
        words: set[str] = set()
        shorthand: dict[str, str] = {}
        targets: set[str] = set()
        for section in sections:
            words.update(_strings(section.get("words", [])))
            targets.update(_strings(section.get("targets", [])))
            table = section.get("shorthand", {})
            if isinstance(table, Mapping):
                shorthand.update({str(k): str(v) for k, v in table.items()})
        for keyword in keywords:
            found = _WORD.findall(keyword)
            words.update(found)
            targets.update(w for w in found if len(w) >= 3)
        return cls(
            vocabulary=frozenset(words | targets),
            shorthand=shorthand,
            choices=tuple(sorted(targets)),
        )

    def correct(self, folded: str) -> str | None:
        """The text with unknown words corrected, or None when nothing changed."""
        changed = False

        def fix(match: re.Match[str]) -> str:
            nonlocal changed
            word = match[0]
            better = self._word(word)
            if better != word:
                changed = True
            return better

        corrected = _WORD.sub(fix, folded)
        return corrected if changed else None

    def expand(self, folded: str) -> str:
        """Only the shorthand spelled out ("hw many ppl" -> "how many people"): no guessing,
        so the grammar's first reading may already use it."""
        if not self.shorthand:
            return folded
        return _WORD.sub(lambda m: self.shorthand.get(m[0], m[0]), folded)

    def _word(self, word: str) -> str:
        if word in self.vocabulary:
            return word
        if word in self.shorthand:
            return self.shorthand[word]
        for squeezed in (_RUNS.sub(r"\1\1", word), _RUNS.sub(r"\1", word)):
            if squeezed in self.vocabulary:
                return squeezed  # "linkk", "pleeease", "stooop"
        limit = _allowed(len(word))
        if not limit:
            return word
        # Imported at the first word needing a guess: ~3 MB an idle process would hold for none.
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found = process.extractOne(word, self.choices, scorer=OSA.distance, score_cutoff=limit)
        return word if found is None else found[0]


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
