"""Languages: which one a message is written in, and which one it asks us to speak."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.normalize import clean

LANGUAGES = ("en", "ko", "zh-Hant", "zh-Hans")
# Each language in its own words, for language switchers.
LANGUAGE_NAMES = {"en": "English", "ko": "한국어", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}
SCRIPTS = {"en": "latin", "ko": "hangul", "zh-Hant": "han", "zh-Hans": "han"}

_LATIN = re.compile("[0-9A-Za-z]")
_LATIN_WORD = re.compile(r"(?<![\w/])[A-Za-z]{2,}(?!\w)")  # not a /command, not in a code
ENGLISH_WORDS = 3  # "what's my link" is a sentence; "my link" could be anyone's keyword
# Syllables, conjoining and compatibility jamo (NFKC turns the latter into conjoining ones).
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Hong Kong Cantonese characters and words, written in Traditional script whatever their
# characters' variant (俾, 咗, 唔 are shared by both sets): 俾我, 幾多個, 點用, 唔該.
_CANTONESE = re.compile("[俾咗唔佢喺冇乜咩啲嗰睇攞嚟哋㗎嘢噉嘅咁啱]|點(?:樣|用)|幾多|邊個|點解")


# IETF language tags (browsers, Telegram's language_code, a CRM's column) to our languages.
_TAGS = {
    "en": "en",
    "ko": "ko",
    "zh-hant": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "zh-hans": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh": "zh-Hans",
}


def language_of_tag(tag: str) -> str | None:
    """`ko-KR` -> ko, `zh_TW` -> zh-Hant, `zh-Hant-HK` -> zh-Hant; None for a language we don't
    speak (or a tag that is no tag)."""
    parts = tag.strip().lower().replace("_", "-").split("-")
    for length in (3, 2, 1):
        candidate = "-".join(parts[:length])
        if candidate in _TAGS:
            return _TAGS[candidate]
    if parts[0] == "zh" and len(parts) > 1:
        return "zh-Hant" if parts[-1] in ("tw", "hk", "mo", "hant") else "zh-Hans"
    return None


def scripts(text: str) -> frozenset[str]:
    """The scripts present: "latin" (ASCII letters or digits), "hangul", "han"."""
    if text.isascii():
        return frozenset(("latin",)) if _LATIN.search(text) else frozenset()
    found = (("latin", _LATIN), ("hangul", _HANGUL), ("han", _HAN))
    return frozenset(name for name, pattern in found if pattern.search(text))


def is_decisive(text: str) -> bool:
    """True when the script alone names the language: Hangul or Han, unless it is a word of
    it in an English sentence ("how many 🎉 friends 친구" is English; "排行榜 please" is not)."""
    return bool(_HANGUL.search(text) or _HAN.search(text)) and not _english_around(text)


def _english_around(text: str) -> bool:
    """An English sentence with fewer Hangul or Han characters in it than English words."""
    cjk = len(_HANGUL.findall(text)) + len(_HAN.findall(text))
    return is_english_sentence(text) and cjk < len(_LATIN_WORD.findall(text))


def is_english_sentence(text: str) -> bool:
    """Latin words enough to be English, not a keyword: "how many friends have I referred?"
    is, "LINK" and "JOIN K7Q2M9XA" are not. Only meaningful where is_decisive is False."""
    return len(_LATIN_WORD.findall(text)) >= ENGLISH_WORDS


def detect_language(text: str, known: str | None) -> str:
    """The message's language; `known` (the participant's stored one) breaks ties.

    A Latin keyword is not decisive: "LINK" from a Korean participant is still Korean to us,
    while an English sentence is English.
    """
    known = known if known in LANGUAGES else None
    if _english_around(text):
        return "en"
    if _HANGUL.search(text):
        return "ko"
    if not _HAN.search(text):
        return "en" if is_english_sentence(text) else (known or "en")
    variant = _chinese_variant(text)
    if variant is not None:
        return variant
    if _CANTONESE.search(text):
        return "zh-Hant"
    # Characters shared by both scripts (你好, 排行榜): keep a Chinese reader's own variant.
    return known if known in ("zh-Hant", "zh-Hans") else "zh-Hans"


def _chinese_variant(text: str) -> str | None:
    # Imported on the first Chinese message: its character tables are 5 MB a process keeps.
    import hanzidentifier

    identity = hanzidentifier.identify(text)
    if identity == hanzidentifier.TRADITIONAL:
        return "zh-Hant"
    if identity == hanzidentifier.SIMPLIFIED:
        return "zh-Hans"
    if identity != hanzidentifier.MIXED:
        return None
    # A mix (a typo, or a copied word): the majority of variant-specific characters wins.
    votes = [hanzidentifier.identify(ch) for ch in set(text) if _HAN.match(ch)]
    trad = votes.count(hanzidentifier.TRADITIONAL)
    simp = votes.count(hanzidentifier.SIMPLIFIED)
    if trad == simp:
        return None
    return "zh-Hant" if trad > simp else "zh-Hans"


@dataclass(frozen=True, slots=True, kw_only=True)
class LanguageSwitch:
    """Reads a request to speak another language: "LANG ko", "KO", "in Korean", "請用繁體中文".

    Built from the `[language]` sections of the grammar files, whose names map to one of
    LANGUAGES, "zh" (Chinese: the variant comes from context) or "other" (one we don't speak).
    """

    command: re.Pattern[str]
    codes: Mapping[str, str]
    names: Mapping[str, re.Pattern[str]]  # by script, searched only in text of that script
    targets: Mapping[str, str]
    cue: re.Pattern[str]
    filler: re.Pattern[str]

    @classmethod
    def build(cls, sections: Iterable[Mapping[str, Any]]) -> LanguageSwitch:
        sections = list(sections)
        names = {_fold(n): t for s in sections for t, ns in s.get("names", {}).items() for n in ns}
        # Languages we don't speak in their own words ("español por favor"): names.other too.
        unspoken = [s.get("unspoken", {}) for s in sections]
        names |= {_fold(n): "other" for s in unspoken for n in s.get("names", [])}
        by_script: dict[str, list[str]] = {}
        for name in sorted(names, key=len, reverse=True):  # "traditional chinese" first
            by_script.setdefault(min(scripts(name)), []).append(_spaced(name))
        return cls(
            command=re.compile(rf"(?:{_joined(sections, 'command')})\s*[:=]?\s*(\S.*)"),
            codes={
                _fold(c): t
                for s in sections
                for t, listed in s.get("codes", {}).items()
                for c in listed
            },
            # English names must not match inside a word, yet may touch Korean or Chinese:
            # "english로", "用english回复".
            names={
                script: re.compile(
                    rf"(?<![a-z])(?:{'|'.join(found)})(?![a-z])"
                    if script == "latin"
                    else "|".join(found)
                )
                for script, found in by_script.items()
            },
            targets={name.replace(" ", ""): target for name, target in names.items()},
            cue=re.compile(_joined(sections, "cues")),
            filler=re.compile(_joined([*sections, *unspoken], "fillers")),
        )

    def target(self, folded: str, lang: str, known: str | None) -> str | None:
        """One of LANGUAGES, "other" (one we don't speak), or None when none is asked for."""
        command = self.command.fullmatch(folded)
        if command:
            arg = command[1].strip(" .!?")
            found = self.codes.get(arg) or _last(self._named(arg))
            if found:
                return _variant(found, lang, known)
        # A code standing alone ("KO", "EN please", "zh?"), as a newcomer picks a language;
        # inside a sentence ("I got an EN keyboard") a code is just a word.
        head, _, rest = folded.strip(" .!?").partition(" ")
        alone = self.codes.get(head.rstrip(",;:!?."))
        if alone and not re.sub(r"[\W_]+", "", self.filler.sub("", rest)):
            return _variant(alone, lang, known)
        present = [self.names[s] for s in scripts(folded) if s in self.names]
        named = self._named(folded, present)
        if not named:
            return None
        # A bare name ("English please", "中文") or a name with a cue ("switch to", "로", "用").
        rest = folded
        for pattern in present:
            rest = pattern.sub("", rest)
        if re.sub(r"[\W_]+", "", self.filler.sub("", rest)) and not self.cue.search(folded):
            return None
        return _variant(_last(named) or "other", lang, known)

    def _named(self, folded: str, patterns: Iterable[re.Pattern[str]] | None = None) -> list[str]:
        """The targets named in the text, in the order they are written."""
        found = sorted(
            (m.start(), m[0]) for p in patterns or self.names.values() for m in p.finditer(folded)
        )
        return [self.targets[name.replace(" ", "")] for _, name in found]


def _variant(target: str, lang: str, known: str | None) -> str:
    """ "Chinese" is the variant the message is written in, else the reader's, else Simplified."""
    if target != "zh":
        return target
    return next((c for c in (lang, known) if c in ("zh-Hant", "zh-Hans")), "zh-Hans")


def _last(targets: list[str]) -> str | None:
    # "switch from English to Korean": the last name wins; a named variant beats plain "Chinese".
    specific = [t for t in targets if t != "zh"] or targets
    return specific[-1] if specific else None


def _fold(text: str) -> str:
    return clean(text).casefold()


def _spaced(name: str) -> str:
    """A name as a pattern in which its spaces are optional (번체 중국어 = 번체중국어)."""
    return r"\s?".join(re.escape(word) for word in name.split())


def _joined(sections: Iterable[Mapping[str, Any]], field: str) -> str:
    return "|".join(
        f"(?:{unicodedata.normalize('NFKC', p)})" for s in sections for p in s.get(field, [])
    )
