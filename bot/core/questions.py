"""Several questions in one message: "what's my link and how many joined?", "link count",
"링크 몇명", "link, count and leaderboard?". The message is cut where the grammar's `[questions]`
joins stand ("and", a comma, 랑, 和), and a piece made of keywords only ("link count") into its
keywords; each piece is read alone. When they ask different things the bot answers (and nothing
else), the reading is the first, with the others in `also`, in the order typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.core.reading import Intent, Reading

_PIECES = 6  # a message cut into more pieces than this is no list of questions
_WORDS = 8  # a piece of more words is no run of keywords (and not worth the search)
_LONGEST = 4  # words in the longest keyword ("top 10", "몇 명", "customer service")

ReadAlone = Callable[[str], Reading | None]
Keyword = Callable[[str], Intent | None]
Courtesy = Callable[[str], bool]  # a word that asks nothing: "please", 좀


def questions(
    folded: str,
    lang: str,
    joins: re.Pattern[str],
    *,
    read_alone: ReadAlone,
    keyword: Keyword,
    courtesy: Courtesy,
    askable: frozenset[str],
) -> list[Reading] | None:
    """The distinct questions asked, in order, when there are two or more and every piece that
    reads as something asks a question the bot answers (a greeting, "hi", asks nothing); else
    None."""
    pieces = [p.strip() for p in _cut(folded, joins)]
    pieces = [p for p in pieces if p]
    if len(pieces) > _PIECES:
        return None
    asked: list[Reading] = []
    for piece in pieces:
        run = _keywords(piece, keyword, courtesy)
        if run is not None and len(run) > 1:
            found: Sequence[Reading | None] = [Reading(i, lang, {}) for i in run]
        else:
            found = [read_alone(piece)]  # a piece that reads as nothing ("hey") asks nothing
        for reading in found:
            if reading is None or reading.intent == "help":
                continue
            if reading.intent not in askable:
                return None  # "link, stop": not a list of questions
            if all(reading.intent != seen.intent for seen in asked):
                asked.append(reading)
    return asked if len(asked) > 1 else None


def also(readings: Sequence[Reading]) -> dict[str, str]:
    """The `also` arguments of the first reading: the other intents, space-separated in order,
    and `also_topic` their topics, aligned ("-" for none), when one names a topic."""
    rest = readings[1:]
    args = {"also": " ".join(r.intent for r in rest)}
    topics = [r.topic or "-" for r in rest]
    while topics and topics[-1] == "-":
        topics.pop()
    if topics:
        args["also_topic"] = " ".join(topics)
    return args


def _cut(folded: str, joins: re.Pattern[str]) -> list[str]:
    pieces, start = [], 0
    for join in joins.finditer(folded):
        if join.end() > join.start():
            pieces.append(folded[start : join.start()])
            start = join.end()
    return [*pieces, folded[start:]]


def _keywords(piece: str, keyword: Keyword, courtesy: Courtesy) -> list[Intent] | None:
    """ "link count", "my link top 10", "link count please": the keywords a piece is made of,
    longest first from the left; None when a word is no part of one, nor a courtesy."""
    words = piece.split()
    if len(words) > _WORDS:
        return None
    found: list[Intent] = []
    at = 0
    while at < len(words):
        for end in range(min(len(words), at + _LONGEST), at, -1):
            intent = keyword(" ".join(words[at:end]))
            if intent is not None:
                found.append(intent)
                at = end
                break
        else:
            if not courtesy(words[at]):
                return None
            at += 1
    return found
