"""What the reader made of a message: the intent, the language, arguments, and how sure it is."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

INTENTS = (
    "link",
    "count",
    "leaderboard",
    "rewards",
    "offer",
    "help",
    "stop",
    "start",
    "join",
    "language",
    "clarify",
    "unknown",
)


@dataclass(frozen=True, slots=True)
class Reading:
    """`confidence` (0..1) and `runner_up` explain a reading; they do not change what it is.

    `tone` is how a `help` message was put when it was small talk ("hello", "thanks", "ok"):
    the answer is the same menu, greeted differently.
    """

    intent: str
    lang: str
    args: dict[str, str]
    confidence: float = field(default=1.0, compare=False)
    runner_up: str | None = field(default=None, compare=False)
    tone: str | None = field(default=None, compare=False)

    def to_json(self, *, explain: bool = False) -> str:
        body: dict[str, object] = {"intent": self.intent, "lang": self.lang, "args": self.args}
        if explain:
            body |= {"confidence": round(self.confidence, 2), "runner_up": self.runner_up}
            if self.tone:
                body["tone"] = self.tone
        return json.dumps(body, ensure_ascii=False)
