"""The intent reader: what a customer's message asks for, in any of our four languages.

The words live in `locales/<lang>/grammar.toml`; `Grammar.load` compiles them once, so `read`
does no I/O. Every language's grammar is tried on every message written in its script (a
Korean customer typing "LINK" still means link); the reported language follows the script.

A message is read in this order, first answer wins: a whole-message keyword (STOP, 링크, 排行榜),
small talk made of nothing else ("thanks!", 👍: read as help, with its tone), a referral code,
a request to switch language, then cues: the intent with the strongest cue wins, and equal
cues go to the more specific intent ("how many used my link" is a count).

A cue can be negated: "don't unsubscribe me" switches stop off and reads as start (the person
wants the messages); "the wifi code" switches link off. A keyword can be asked about: "STOP是
什么意思?" switches stop off and reads as help, whose menu says what STOP does. Latin cues read
Latin words glued to Han or Hangul as words ("STOP唔該", "send我link"). When nothing matches, the
speller (bot/core/spelling.py) corrects shorthand and typos and the text is read once more, less
confidently. Two weak cues of different intents ("link or count") make a `clarify` reading: the
flow asks which one was meant rather than guessing. A `rewards` or `offer` reading also says its
topic when the grammar's `[topics]` cues name one ("when do I get paid?", "is there a cap?").

Choices the flows rely on:
- A join keyword followed by something that is not a valid code ("JOIN ABC", "/start ref=1")
  reads as `join` with `code` set to the raw token upper-cased (at most 64 characters), so the
  join flow can say "that code isn't valid" instead of the bot shrugging.
- "change language" without a language reads as `language` with no `lang` argument (the flow
  offers the choices); a language we don't speak ("日本語", "Spanish please") reads as `unknown`
  with the tone `unspoken`, in the reader's own language (the flow names the ones we write).
- Someone else's count ("how many did John refer?") switches count off and, when nothing else
  is asked, reads as `unknown` with the tone `others`: the flow says each person hears only
  their own, rather than answering with the asker's count as if it were John's.
- A code of the wrong length ending a sentence after a join keyword ("my friend gave me code
  ABC123") reads as `join` with that code, as "JOIN ABC123" does.
- A complaint ("this is a scam", 我要投诉) reads as `complaint`, with `about` set to `count` or
  `rewards` when the message asks about those too ("my friend joined and I never got anything").
- Two or three questions joined by a word of the grammar's `[questions]` ("what's my link and
  how many friends joined?", 링크랑 몇 명인지, 我的链接和邀请人数, "link, count and top?") or
  typed as keywords side by side ("link count", 링크 몇명) read as the first, with `also` set to
  the others' intents in order, space-separated (and `also_topic` to their topics), when each
  piece alone asks something different the bot can answer and the whole already read two
  intents: the flows answer them all (bot/core/questions.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from bot.core.code_finder import CodeFinder
from bot.core.codes import normalize_code
from bot.core.grammar_files import (
    LEVELS,
    PRIORITY,
    SWITCHES,
    compile_patterns,
    default_locales_dir,
    fold,
    grouped,
    load_grammar_file,
)
from bot.core.language import LANGUAGES, SCRIPTS, LanguageSwitch, detect_language, scripts
from bot.core.normalize import clean, split_scripts
from bot.core.questions import also, questions
from bot.core.reading import INTENTS, TOPICS, Intent, Reading, Topic
from bot.core.smalltalk import Smalltalk
from bot.core.spelling import Speller

__all__ = ["INTENTS", "Grammar", "Intent", "Reading", "default_locales_dir"]

_CONFIDENCE = {"strong": 0.9, "medium": 0.6}
# "don't unsubscribe me": the person wants the messages to keep coming; "what happens if I send
# STOP?" wants to know what the keyword does, and the help menu says.
_SWITCH_MEANS: dict[tuple[str, str], Intent] = {
    ("stop", "negated"): "start",
    ("stop", "asked"): "help",
}
# A switch that leaves nothing asked but is worth saying why: another person's count.
_SWITCH_TONE: dict[tuple[str, str], str] = {("count", "negated"): "others"}
_ASKABLE = frozenset(("link", "count", "leaderboard", "rewards", "offer"))  # worth a question
_TOPICAL = frozenset(("rewards", "offer"))  # intents whose readings may name a topic
_STATUS = frozenset(("count", "rewards"))  # what a complaint may be about: the person's own
_MAX_CHARS = 1000  # nobody asks for a link in a novel; bounds what a hostile text costs
# Bare commands: the Telegram channel drops our @BotName from `/start@BotName` and ignores
# commands for other bots (channels/telegram_updates.py), so no mention reaches the grammar.
_COMMAND = re.compile(r"/(\w+)")
_NON_WORD = re.compile(r"[\W_]+")
_SIGN_NOISE = re.compile(r"[\s\ufe0f\u200d.!,]+")  # spaces, emoji presentation and joiners
_REPEATED = re.compile(r"(.+?)\1+")  # "🔗🔗": one sign said twice
_SHORT_SIGNS = 32  # longer runs of signs are no keyword: not worth a quadratic search
_DEEP_LINK = re.compile(r"/start\s+(\S.*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class _Cue:
    intent: Intent
    script: str  # only tried on text containing this script: it cannot match otherwise
    pattern: re.Pattern[str]
    level: str = "strong"


@dataclass(frozen=True, slots=True)
class _TopicCue:
    topic: Topic
    script: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Grammar:
    """The four languages' grammars, compiled together: `read` is on every message's path."""

    exact: dict[str, Intent]
    cues: tuple[_Cue, ...]  # strongest first, then by priority: the first match wins
    negations: tuple[_Cue, ...]  # negated, then asked: a match switches that intent's cues off
    topics: tuple[_TopicCue, ...]  # in TOPICS order: the first match names the topic
    codes: CodeFinder
    switch: LanguageSwitch
    smalltalk: Smalltalk
    speller: Speller
    joins: re.Pattern[str] | None = None  # what joins two questions: "and", 랑, 和

    @classmethod
    def load(cls, locales_dir: Path) -> Grammar:
        tables = [load_grammar_file(locales_dir / lang / "grammar.toml") for lang in LANGUAGES]
        by_script: dict[str, list[dict[str, Any]]] = {}
        for lang, table in zip(LANGUAGES, tables, strict=True):
            by_script.setdefault(SCRIPTS[lang], []).append(table)
        exact: dict[str, Intent] = {}
        for table in tables:
            for intent, words in table.get("exact", {}).items():
                for word in words:
                    if exact.setdefault(_key(fold(word)), cast(Intent, intent)) != intent:
                        raise ValueError(f"{word!r} is an exact keyword of two intents")

        def cues_of(level: str) -> list[_Cue]:
            return [
                _Cue(intent, script, compile_patterns(group), level)
                for intent in PRIORITY
                for script, same in by_script.items()
                for group in grouped(
                    [p for t in same for p in t.get("intents", {}).get(intent, {}).get(level, [])]
                )
            ]

        keywords = {
            script: [p for t in same for p in t.get("join", {}).get("keywords", [])]
            for script, same in by_script.items()
        }
        latin_words = [
            w for t in by_script["latin"] for ws in t.get("exact", {}).values() for w in ws
        ]
        speller = Speller.build((t.get("spelling", {}) for t in tables), latin_words)
        topics = [
            _TopicCue(topic, script, compile_patterns(group))
            for topic in TOPICS
            for script, same in by_script.items()
            for group in grouped([p for t in same for p in t.get("topics", {}).get(topic, [])])
        ]
        joins = [p for t in tables for p in t.get("questions", {}).get("joins", [])]
        return cls(
            joins=compile_patterns(joins) if joins else None,
            exact=exact,
            cues=tuple(c for level in LEVELS for c in cues_of(level)),
            negations=tuple(c for level in SWITCHES for c in cues_of(level)),
            topics=tuple(topics),
            codes=CodeFinder.build(
                keywords,
                (w for t in tables for w in t.get("join", {}).get("not_codes", [])),
                speller.vocabulary,
            ),
            switch=LanguageSwitch.build(t.get("language", {}) for t in tables),
            smalltalk=Smalltalk.build(t.get("smalltalk", {}) for t in tables),
            speller=speller,
        )

    def read(self, text: str, known_lang: str | None = None) -> Reading:
        cleaned = clean(text[:_MAX_CHARS])
        lang = detect_language(cleaned, known_lang)
        return self._understand(cleaned.casefold(), lang, known_lang)

    def _understand(self, folded: str, lang: str, known: str | None) -> Reading:
        deep = _DEEP_LINK.fullmatch(folded)
        if deep is not None:
            # Telegram's Start button after a t.me/<bot>?start=<payload> link: whatever the
            # payload is, it was meant as a code, so a bad one is answered as a bad code.
            payload = deep[1].strip()
            return Reading("join", lang, {"code": normalize_code(payload) or payload.upper()[:64]})
        key = _key(folded)
        hit = self._exact(key)
        if hit is not None:
            return Reading(hit, lang, {})
        kind = self.smalltalk.kind(folded)
        if kind is not None:
            return Reading("help", lang, {}, 0.95, tone=kind)
        if not key:
            return Reading("unknown", lang, {})
        present = scripts(folded)
        code = self.codes.find(folded, present) or self._code_in_a_sentence(folded, present)
        if code is not None:
            return Reading("join", lang, {"code": code}, 0.95)
        target = self.switch.target(folded, lang, known)
        if target in LANGUAGES:
            return Reading("language", lang, {"lang": target}, 0.95)
        if target is not None:
            # Answered in the language the person reads now: "日本語" is no Chinese reader.
            return Reading("unknown", known or lang, {}, 0.9, runner_up="language", tone="unspoken")
        found = self._cued(
            self.speller.expand(folded) if "latin" in present else folded, present, lang
        )
        if found is not None:
            return self._two_questions(folded, lang, found) or found
        corrected = self.speller.correct(folded) if "latin" in present else None
        if corrected is not None:
            hit = self._exact(_key(corrected))
            if hit is not None:
                return Reading(hit, lang, {}, 0.7)
            found = self._cued(corrected, present, lang, doubt=0.8)
            if found is not None:
                return found
        return Reading("unknown", lang, {})

    def _two_questions(self, folded: str, lang: str, whole: Reading) -> Reading | None:
        """ "What's my link and how many friends joined?", "link count": the first question's
        reading, with the others' intents in `also` (bot/core/questions.py), when the whole
        already read two intents."""
        two = whole.intent == "clarify" or (
            whole.intent in _ASKABLE and whole.runner_up in _ASKABLE
        )
        if self.joins is None or not two:
            return None
        asked = questions(
            folded,
            lang,
            self.joins,
            read_alone=lambda part: self._alone(part, lang),
            keyword=lambda words: self._exact(_key(words)),
            courtesy=lambda word: self.switch.filler.fullmatch(word) is not None,
            askable=_ASKABLE,
        )
        if asked is None:
            return None
        first = asked[0]
        sure = min(r.confidence for r in asked)
        return Reading(first.intent, lang, also(asked), sure, topic=first.topic)

    def _alone(self, part: str, lang: str) -> Reading | None:
        """One piece of a message, read by its keyword, as small talk ("thanks for the link":
        no question) or by its cues."""
        part = part.strip()
        key = _key(part)
        if not key:
            return None
        hit = self._exact(key)
        if hit is not None:
            return Reading(hit, lang, {})
        kind = self.smalltalk.kind(part)
        if kind is not None:
            return Reading("help", lang, {}, 0.95, tone=kind)
        present = scripts(part)
        return self._cued(self.speller.expand(part) if "latin" in present else part, present, lang)

    def _code_in_a_sentence(self, folded: str, present: frozenset[str]) -> str | None:
        """ "My friend gave me code ABC123": a code of the wrong length after a join keyword
        ends the sentence; not the wifi's code (the link's negations)."""
        code = self.codes.find_in_sentence(folded)
        if code is None or self._off(folded, present) & {"link"}:
            return None
        return code

    def _off(self, folded: str, present: frozenset[str]) -> set[Intent]:
        """The intents whose cues a negation switches off in this text."""
        return {intent for intent, _ in self._switched(_by_script(folded, present))}

    def _exact(self, key: str) -> Intent | None:
        hit = self.exact.get(key)
        if hit is None and key.startswith("/"):
            hit = self.exact.get(key[1:])  # /link, /top: a command names its intent
        return hit

    def _cued(
        self, folded: str, present: frozenset[str], lang: str, doubt: float = 1.0
    ) -> Reading | None:
        """The best cue's intent, and the runner-up's; two weak rivals make a question."""
        text = _by_script(folded, present)
        switched = self._switched(text)
        off = {intent for intent, _ in switched}
        hits: list[tuple[Intent, str]] = [
            (_SWITCH_MEANS[s], "strong") for s in dict.fromkeys(switched) if s in _SWITCH_MEANS
        ]
        for cue in self.cues:
            if len(hits) >= 2:
                break
            if cue.intent in off or any(cue.intent == seen for seen, _ in hits):
                continue
            if cue.script in text and cue.pattern.search(text[cue.script]):
                hits.append((cue.intent, cue.level))
        if not hits:
            tone = next((_SWITCH_TONE[s] for s in switched if s in _SWITCH_TONE), None)
            return None if tone is None else Reading("unknown", lang, {}, 0.9, "count", tone=tone)
        (best, level), rival = hits[0], (hits[1] if len(hits) > 1 else None)
        sure = _CONFIDENCE[level] * doubt
        if best == "complaint":
            return Reading(best, lang, self._complained_about(text, off), sure)
        topic = self._topic(text) if best in _TOPICAL else None
        if rival is None:
            return Reading(best, lang, {}, sure, topic=topic)
        if rival[1] == level:
            sure -= 0.15  # a close call
        if level == rival[1] == "medium" and {best, rival[0]} <= _ASKABLE:
            return Reading("clarify", lang, {"options": f"{best} {rival[0]}"}, sure, best)
        return Reading(best, lang, {}, sure, rival[0], topic=topic)

    def _switched(self, text: dict[str, str]) -> list[tuple[Intent, str]]:
        """The negation cues that match: each an intent switched off, and how ("negated",
        "asked")."""
        return [
            (c.intent, c.level)
            for c in self.negations
            if c.script in text and c.pattern.search(text[c.script])
        ]

    def _complained_about(self, text: dict[str, str], off: set[Intent]) -> dict[str, str]:
        """The count or the rewards, when a complaint asks about them too (the strongest cue)."""
        about = next(
            (
                c.intent
                for c in self.cues
                if c.intent in _STATUS
                and c.intent not in off
                and c.script in text
                and c.pattern.search(text[c.script])
            ),
            None,
        )
        return {} if about is None else {"about": about}

    def _topic(self, text: dict[str, str]) -> Topic | None:
        return next(
            (t.topic for t in self.topics if t.script in text and t.pattern.search(text[t.script])),
            None,
        )


def _by_script(folded: str, present: frozenset[str]) -> dict[str, str]:
    """The text each present script's cues read: Latin cues see Latin words glued to Han or
    Hangul as words ("STOP唔該", "send我link"); Korean and Chinese cues read it as typed."""
    text = dict.fromkeys(present, folded)
    if "latin" in text and len(text) > 1:
        text["latin"] = split_scripts(folded)
    return text


def _key(folded: str) -> str:
    """A whole message reduced to its letters and digits; commands keep their slash."""
    command = _COMMAND.fullmatch(folded)
    if command:
        return "/" + command[1]
    compact = _NON_WORD.sub("", folded)
    if compact:
        return compact
    sign = _SIGN_NOISE.sub("", folded).replace("?", "")
    if not sign:
        return "?" if "?" in folded else ""  # a bare "?" asks what the bot is
    # A sign alone says it, asked or said twice: 🛑, 🔗?, 🏆🏆
    repeated = _REPEATED.fullmatch(sign) if len(sign) <= _SHORT_SIGNS else None
    return repeated[1] if repeated else sign
