"""What the reader made of a message: the intent, the language, arguments, and how sure it is."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal, get_args

# Every intent the engine can read; the route table answers each (a test checks both ways).
Intent = Literal[
    "link",
    "count",
    "leaderboard",
    "rewards",
    "offer",  # how the program works: what each side gets, when, caps, milestones
    "help",
    "human",  # asks for a person: the program's support contact, or what the bot can do
    "complaint",  # an apology, the count or rewards it is about (args `about`), the contact
    "stop",
    "start",
    "join",
    "language",
    "clarify",  # two weak rivals: the flow asks which one was meant
    "unknown",
    "media",  # a photo or sticker with no words, as the channel said
]
INTENTS: frozenset[str] = frozenset(get_args(Intent))
# What a question about rewards or the offer is after, when it says: "when do I get paid?" is
# still `rewards` (the same reading as before), answered with the days rewards come; "do my
# points expire?" (`expiry`) is answered from the program, which sets rewards no end date.
# In the order the reader tries them: "when do my points expire" asks about expiry.
Topic = Literal["expiry", "when", "cap"]
TOPICS: tuple[Topic, ...] = get_args(Topic)


@dataclass(frozen=True, slots=True)
class Reading:
    """`confidence` (0..1) and `runner_up` explain a reading; they do not change what it is.

    `tone` is how a `help` message was put when it was small talk (see bot/core/smalltalk.py):
    the answer is the same menu, greeted differently; an `unknown` one asking for a language we
    don't speak ("español por favor") has the tone `unspoken`, and is answered with ours; one
    asking for another person's count ("how many did John refer?") has the tone `others`.
    `topic` is what a `rewards` or `offer` question asks about (`when` rewards come, the `cap`,
    their `expiry`); the flow answers that part. Several questions in one message ("what's my
    link and how many joined?", "link count top") read as the first, with `args["also"]` naming
    the others' intents, space-separated in order (and `args["also_topic"]` their topics,
    aligned, "-" for none): up to three are answered, in that order, in one reply; each after
    the first with `args["after"]` naming those answered before it.
    """

    intent: Intent
    lang: str
    args: dict[str, str]
    confidence: float = field(default=1.0, compare=False)
    runner_up: Intent | None = field(default=None, compare=False)
    tone: str | None = field(default=None, compare=False)
    topic: Topic | None = field(default=None, compare=False)

    def to_json(self, *, explain: bool = False) -> str:
        body: dict[str, object] = {"intent": self.intent, "lang": self.lang, "args": self.args}
        if self.topic:
            body["topic"] = self.topic
        if explain:
            body |= {"confidence": round(self.confidence, 2), "runner_up": self.runner_up}
            if self.tone:
                body["tone"] = self.tone
        return json.dumps(body, ensure_ascii=False)
