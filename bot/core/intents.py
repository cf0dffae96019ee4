"""The intent reader: what a customer's message asks for, in any of our four languages.

The words live in `locales/<lang>/grammar.toml`; `Grammar.load` compiles them once, so `read`
does no I/O. Every language's grammar is tried on every message (a Korean customer typing
"LINK" still means link); the reported language follows the script (see `language.py`).

A message is read in this order, first answer wins: a whole-message keyword (STOP, 링크, 排行榜),
a referral code, a request to switch language, then weighted cues scored per intent.

Choice: a join keyword followed by something that is not a valid code ("JOIN ABC",
"/start ref=1") still reads as `join`, with `code` set to the raw token upper-cased (at most 64
characters), so the join flow can say "that code isn't valid" instead of the bot shrugging.
A request to change language that names no language we speak reads as `language` without a
`lang` argument when none is named ("change language"), and `unknown` for others ("日本語").
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.codes import normalize_code
from bot.core.language import LANGUAGES, detect_language
from bot.core.normalize import clean

INTENTS = ("link", "count", "leaderboard", "rewards", "help", "stop", "start", "join", "language",
           "unknown")
# Tie-break for scored intents: an opt-out must never lose to anything else.
_PRIORITY = ("stop", "start", "count", "leaderboard", "rewards", "link", "language", "help")
_WEIGHTS = {"strong": 3, "medium": 2}
_THRESHOLD = 2
_MAX_CHARS = 1000  # nobody asks for a link in a novel; bounds the work a hostile text costs
# 8 code characters: hyphens allowed between them, or a space between two halves (K7Q2 M9XA).
_CODE = r"[0-9a-z](?:-?[0-9a-z]){7}|[0-9a-z]{4} [0-9a-z]{4}"
_FREE_CODE = re.compile(rf"(?<![0-9a-z-])({_CODE})(?![0-9a-z]|-[0-9a-z])")
_COMMAND = re.compile(r"/(\w+)(?:@\w+)?")  # Telegram appends @BotName in groups
_NON_WORD = re.compile(r"[\W_]+")
_LETTER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")


@dataclass(frozen=True, slots=True)
class Reading:
    intent: str
    lang: str
    args: dict[str, str]

    def to_json(self) -> str:
        body = {"intent": self.intent, "lang": self.lang, "args": self.args}
        return json.dumps(body, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class _Cue:
    intent: str
    weight: int
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Grammar:
    exact: Mapping[str, str]
    cues: tuple[_Cue, ...]
    join_code: re.Pattern[str]
    join_raw: re.Pattern[str]
    not_codes: frozenset[str]
    lang_command: re.Pattern[str]
    lang_codes: Mapping[str, str]
    lang_names: re.Pattern[str]
    lang_targets: Mapping[str, str]
    lang_cue: re.Pattern[str]
    lang_filler: re.Pattern[str]

    @classmethod
    def load(cls, locales_dir: Path) -> Grammar:
        tables = [_toml(locales_dir / lang / "grammar.toml") for lang in LANGUAGES]
        exact: dict[str, str] = {}
        buckets: dict[tuple[str, str], list[str]] = {}
        for table in tables:
            for intent, words in table.get("exact", {}).items():
                for word in words:
                    key = _key(_fold(word))
                    if exact.setdefault(key, _intent(intent)) != intent:
                        raise ValueError(f"{word!r} is an exact keyword of two intents")
            for intent, levels in table.get("intents", {}).items():
                for level, patterns in levels.items():
                    buckets.setdefault((_intent(intent), level), []).extend(patterns)
        join = _merged(tables, "join", "keywords")
        names = {_fold(name): target
                 for table in tables
                 for target, listed in table.get("language", {}).get("names", {}).items()
                 for name in listed}
        return cls(
            exact=exact,
            cues=tuple(_Cue(intent, _WEIGHTS[level], _compile(patterns))
                       for (intent, level), patterns in buckets.items()),
            join_code=re.compile(rf"(?:{join})\s*[:=#]?\s*({_CODE})(?![0-9a-z])"),
            join_raw=re.compile(rf"(?:{join})\s*[:=#]?\s*([0-9a-z][!-~]{{0,63}})"),
            not_codes=frozenset(_fold(w) for t in tables for w in t.get("join", {})
                                .get("not_codes", [])),
            lang_command=re.compile(rf"(?:{_merged(tables, 'language', 'command')})"
                                    r"\s*[:=]?\s*(\S.*)"),
            lang_codes={_fold(code): target
                        for table in tables
                        for target, codes in table.get("language", {}).get("codes", {}).items()
                        for code in codes},
            lang_names=re.compile("|".join(_name_pattern(n)
                                           for n in sorted(names, key=len, reverse=True))),
            lang_targets={name.replace(" ", ""): target for name, target in names.items()},
            lang_cue=_compile(_pieces(tables, "language", "cues")),
            lang_filler=_compile(_pieces(tables, "language", "fillers")),
        )

    def read(self, text: str, known_lang: str | None = None) -> Reading:
        cleaned = clean(text[:_MAX_CHARS])
        lang = detect_language(cleaned, known_lang)
        intent, args = self._understand(cleaned.casefold(), lang, known_lang)
        return Reading(intent=intent, lang=lang, args=args)

    def _understand(self, folded: str, lang: str, known: str | None) -> tuple[str, dict[str, str]]:
        key = _key(folded)
        if not key:
            return "unknown", {}
        hit = self.exact.get(key) or (key[:1] == "/" and self.exact.get(key[1:]))
        if hit:
            return hit, {}
        code = self._code(folded)
        if code is not None:
            return "join", {"code": code}
        target = self._switch(folded)
        if target == "other":
            return "unknown", {}
        if target is not None:
            return "language", {"lang": _variant(target, lang, known)}
        return self._score(folded), {}

    def _code(self, folded: str) -> str | None:
        """The code after a join keyword, any code-like token, or a join keyword's raw token."""
        for match in self.join_code.finditer(folded):
            if code := normalize_code(match[1].replace(" ", "")):
                return code
        for match in _FREE_CODE.finditer(folded):
            token = match[1].replace(" ", "")
            # Codes always hold digits and letters; "password" or "20240115" are not codes.
            if _DIGIT.search(token) and _LETTER.search(token) and (code := normalize_code(token)):
                return code
        raw = self.join_raw.fullmatch(folded)
        if raw is None:
            return None
        token = raw[1].rstrip(".,!?;:)")
        return token.upper() if token and token not in self.not_codes else None

    def _switch(self, folded: str) -> str | None:
        """The language asked for: a code, a name, "zh" (variant from context) or "other"."""
        command = self.lang_command.fullmatch(folded)
        if command:
            arg = command[1].strip(" .!?")
            found = self.lang_codes.get(arg) or _last(self._named(arg))
            if found:
                return found
        named = self._named(folded)
        if not named:
            return None
        rest = _NON_WORD.sub("", self.lang_filler.sub("", self.lang_names.sub("", folded)))
        return _last(named) if not rest or self.lang_cue.search(folded) else None

    def _named(self, folded: str) -> list[str]:
        return [self.lang_targets[m[0].replace(" ", "")] for m in self.lang_names.finditer(folded)]

    def _score(self, folded: str) -> str:
        """The intent with the strongest cue; equals go by priority ("how many used my link")."""
        scores = dict.fromkeys(_PRIORITY, 0)
        for cue in self.cues:
            if cue.weight > scores[cue.intent] and cue.pattern.search(folded):
                scores[cue.intent] = cue.weight
        best = max(_PRIORITY, key=scores.__getitem__)  # max() keeps the first of equals
        return best if scores[best] >= _THRESHOLD else "unknown"


def default_locales_dir() -> Path:
    """`<repo>/locales`, or `REFERRAL_LOCALES_DIR` when set (an installed copy, a test)."""
    override = os.environ.get("REFERRAL_LOCALES_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "locales"


def _variant(target: str, lang: str, known: str | None) -> str:
    """"Chinese" means the variant the message is written in, else the reader's, else Simplified."""
    if target != "zh":
        return target
    for candidate in (lang, known):
        if candidate in ("zh-Hant", "zh-Hans"):
            return candidate
    return "zh-Hans"


def _last(targets: list[str]) -> str | None:
    # "switch from English to Korean": the last name wins; a named variant beats plain "Chinese".
    specific = [t for t in targets if t != "zh"] if "zh" in targets else targets
    return (specific or targets or [None])[-1]


def _key(folded: str) -> str:
    """A whole message reduced to its letters and digits; commands keep their slash."""
    command = _COMMAND.fullmatch(folded)
    if command:
        return "/" + command[1]
    compact = _NON_WORD.sub("", folded)
    # A bare "?" (or "??") asks what the bot is.
    return compact or ("?" if "?" in folded else "")


def _fold(text: str) -> str:
    return clean(text).casefold()


def _intent(name: str) -> str:
    if name not in INTENTS:
        raise ValueError(f"unknown intent {name!r} in grammar")
    return name


def _toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _pieces(tables: Iterable[dict[str, Any]], section: str, field: str) -> list[str]:
    return [p for table in tables for p in table.get(section, {}).get(field, [])]


def _merged(tables: Iterable[dict[str, Any]], section: str, field: str) -> str:
    return "|".join(f"(?:{unicodedata.normalize('NFKC', p)})"
                    for p in _pieces(tables, section, field))


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    # NFKC the data like the text, so a pattern written with compatibility jamo (ㅋ) still meets it.
    return re.compile("|".join(f"(?:{unicodedata.normalize('NFKC', p)})" for p in patterns))


def _name_pattern(name: str) -> str:
    if name.isascii():  # "english" must not match inside another word
        words = r"\s?".join(re.escape(word) for word in name.split())
        return rf"(?<![a-z]){words}(?![a-z])"
    return r"\s?".join(re.escape(ch) for ch in name.replace(" ", ""))  # 번체중국어 = 번체 중국어
