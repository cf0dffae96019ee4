"""The intent reader: what a customer's message asks for, in any of our four languages.

The words live in `locales/<lang>/grammar.toml`; `Grammar.load` compiles them once, so `read`
does no I/O. Every language's grammar is tried on every message written in its script (a
Korean customer typing "LINK" still means link); the reported language follows the script.

A message is read in this order, first answer wins: a whole-message keyword (STOP, 링크, 排行榜),
a referral code, a request to switch language, then cues: the intent with the strongest cue
wins, and equal cues go to the more specific intent ("how many used my link" is a count).

Choices the flows rely on:
- A join keyword followed by something that is not a valid code ("JOIN ABC", "/start ref=1")
  reads as `join` with `code` set to the raw token upper-cased (at most 64 characters), so the
  join flow can say "that code isn't valid" instead of the bot shrugging.
- "change language" without a language reads as `language` with no `lang` argument (the flow
  offers the choices); a language we don't speak ("日本語", "Spanish please") reads as `unknown`.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args

from bot.core.codes import normalize_code
from bot.core.language import LANGUAGES, SCRIPTS, LanguageSwitch, detect_language, scripts
from bot.core.normalize import clean

# Every intent the engine can read; the route table answers each (a test checks both ways).
Intent = Literal[
    "link",
    "count",
    "leaderboard",
    "rewards",
    "help",
    "stop",
    "start",
    "join",
    "language",
    "unknown",
    "media",  # a photo or sticker with no words, as the channel said
]
INTENTS: frozenset[str] = frozenset(get_args(Intent))
# Equal cues go to the earlier intent: an opt-out must never lose to anything else.
_PRIORITY: tuple[Intent, ...] = (
    "stop", "start", "count", "leaderboard", "rewards", "link", "language", "help"
)
_LEVELS = ("strong", "medium")
_MAX_CHARS = 1000  # nobody asks for a link in a novel; bounds what a hostile text costs
# A code-like token: 8 characters with hyphens between them, or two halves (K7Q2 M9XA).
_TOKEN = re.compile(
    r"(?<![0-9a-z-])([0-9a-z](?:-?[0-9a-z]){7}|[0-9a-z]{4} [0-9a-z]{4})"
    r"(?![0-9a-z]|-[0-9a-z])"
)
_COMMAND = re.compile(r"/(\w+)(?:@\w+)?")  # Telegram appends @BotName in groups
_NON_WORD = re.compile(r"[\W_]+")
_LETTER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")


@dataclass(frozen=True, slots=True)
class Reading:
    intent: Intent
    lang: str
    args: dict[str, str]

    def to_json(self) -> str:
        body = {"intent": self.intent, "lang": self.lang, "args": self.args}
        return json.dumps(body, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class _Cue:
    intent: Intent
    script: str  # only tried on text containing this script: it cannot match otherwise
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Grammar:
    """The four languages' grammars, compiled together: `read` is on every message's path."""

    exact: dict[str, Intent]
    cues: tuple[_Cue, ...]  # strongest first, then by priority: the first match wins
    join_before: tuple[tuple[str, re.Pattern[str]], ...]  # (script, keyword ending the text)
    join_raw: re.Pattern[str]
    not_codes: frozenset[str]
    switch: LanguageSwitch

    @classmethod
    def load(cls, locales_dir: Path) -> Grammar:
        tables = [_toml(locales_dir / lang / "grammar.toml") for lang in LANGUAGES]
        by_script: dict[str, list[dict[str, Any]]] = {}
        for lang, table in zip(LANGUAGES, tables, strict=True):
            by_script.setdefault(SCRIPTS[lang], []).append(table)
        exact: dict[str, Intent] = {}
        for table in tables:
            for intent, words in table.get("exact", {}).items():
                for word in words:
                    if exact.setdefault(_key(_fold(word)), cast(Intent, intent)) != intent:
                        raise ValueError(f"{word!r} is an exact keyword of two intents")
        cues = [
            _Cue(intent, script, _compile(group))
            for level in _LEVELS
            for intent in _PRIORITY
            for script, same in by_script.items()
            for group in _grouped(
                [p for t in same for p in t.get("intents", {}).get(intent, {}).get(level, [])]
            )
        ]
        keywords = {
            script: [p for t in same for p in t.get("join", {}).get("keywords", [])]
            for script, same in by_script.items()
        }
        keyword = _compile(p for found in keywords.values() for p in found).pattern
        return cls(
            exact=exact,
            cues=tuple(cues),
            join_before=tuple(
                (script, re.compile(rf"(?:{_compile(group).pattern})\s*[:=#]?\s*$"))
                for script, found in keywords.items()
                for group in _grouped(found)
            ),
            join_raw=re.compile(rf"(?:{keyword})\s*[:=#]?\s*([0-9a-z][!-~]{{0,63}})"),
            not_codes=frozenset(
                _fold(w) for t in tables for w in t.get("join", {}).get("not_codes", [])
            ),
            switch=LanguageSwitch.build(t.get("language", {}) for t in tables),
        )

    def read(self, text: str, known_lang: str | None = None) -> Reading:
        cleaned = clean(text[:_MAX_CHARS])
        lang = detect_language(cleaned, known_lang)
        intent, args = self._understand(cleaned.casefold(), lang, known_lang)
        return Reading(intent=intent, lang=lang, args=args)

    def _understand(
        self, folded: str, lang: str, known: str | None
    ) -> tuple[Intent, dict[str, str]]:
        deep = _DEEP_LINK.fullmatch(folded)
        if deep is not None:
            # Telegram's Start button after a t.me/<bot>?start=<payload> link: whatever the
            # payload is, it was meant as a code, so a bad one is answered as a bad code.
            payload = deep[1].strip()
            return "join", {"code": normalize_code(payload) or payload.upper()[:64]}
        key = _key(folded)
        if not key:
            return "unknown", {}
        hit = self.exact.get(key)
        if hit is None and key.startswith("/"):
            hit = self.exact.get(key[1:])  # /link, /top: a command names its intent
        if hit is not None:
            return hit, {}
        present = scripts(folded)
        code = self._code(folded, present)
        if code is not None:
            return "join", {"code": code}
        target = self.switch.target(folded, lang, known)
        if target in LANGUAGES:
            return "language", {"lang": target}
        if target is not None:
            return "unknown", {}
        for cue in self.cues:
            if cue.script in present and cue.pattern.search(folded):
                return cue.intent, {}
        return "unknown", {}

    def _code(self, folded: str, present: frozenset[str]) -> str | None:
        """A code-like token, a code after a join keyword, or a join keyword's raw token."""
        for match in _TOKEN.finditer(folded):
            token = match[1].replace(" ", "")
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

    def _after_keyword(self, folded: str, start: int, present: frozenset[str]) -> bool:
        return any(
            script in present and pattern.search(folded, max(0, start - 40), start)
            for script, pattern in self.join_before
        )


_DEEP_LINK = re.compile(r"/start(?:@\w+)?\s+(\S.*)", re.DOTALL)


def default_locales_dir() -> Path:
    """`<repo>/locales`, or `REFERRAL_LOCALES_DIR` when set (an installed copy, a test)."""
    override = os.environ.get("REFERRAL_LOCALES_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "locales"


def _key(folded: str) -> str:
    """A whole message reduced to its letters and digits; commands keep their slash."""
    command = _COMMAND.fullmatch(folded)
    if command:
        return "/" + command[1]
    compact = _NON_WORD.sub("", folded)
    return compact or ("?" if "?" in folded else "")  # a bare "?" asks what the bot is


def _fold(text: str) -> str:
    return clean(text).casefold()


def _toml(path: Path) -> dict[str, Any]:
    """A grammar file, checked so that a typo fails at load rather than as a silent miss."""
    with path.open("rb") as handle:
        table = tomllib.load(handle)
    intents = table.get("intents", {})
    for name in [*table.get("exact", {}), *intents]:
        if name not in _PRIORITY:
            raise ValueError(f"{path}: unknown intent {name!r}")
    for name, levels in intents.items():
        if set(levels) - set(_LEVELS):
            raise ValueError(f"{path}: {name} levels must be among {_LEVELS}")
    return table


def _grouped(patterns: list[str]) -> list[list[str]]:
    """Patterns that all start with \\b together: re hoists the shared \\b, ten times faster."""
    bounded = [p for p in patterns if p.startswith("\\b")]
    return [g for g in (bounded, [p for p in patterns if p not in bounded]) if g]


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    # NFKC the data like the text, so a pattern written with compatibility jamo (ㅋ) still meets it.
    return re.compile("|".join(f"(?:{unicodedata.normalize('NFKC', p)})" for p in patterns))
