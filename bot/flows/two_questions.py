""" "What's my link and how many friends joined?": both answers, in the order asked, in one reply.

The reader marks the second question as `also` (and its topic as `also_topic`); the first
intent's flow answers, then the second's as if it had been asked alone (its reading's `after`
naming the first: the count leaves out the link the reply already has), and the two become
one message: one outbox row, one text on SMS. The buttons of both follow, without repeats and
without the keywords of what was just answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import cast

from bot.core.context import Context, Flow, Turn
from bot.core.effects import Effects, Reply
from bot.core.intents import Intent, Reading
from bot.core.messages import Button
from bot.core.reading import TOPICS

# The intents a second question may ask, and the keyword that asks each (their menu buttons).
_KEYWORDS: Mapping[str, str] = {
    "link": "LINK",
    "count": "COUNT",
    "leaderboard": "TOP",
    "rewards": "REWARDS",
    "offer": "OFFER",
}


def answering_both(table: Mapping[Intent, Flow]) -> dict[Intent, Flow]:
    """The route table, with each askable intent's flow also answering an `also` question."""
    return {
        intent: _and_also(flow, table) if intent in _KEYWORDS else flow
        for intent, flow in table.items()
    }


def _and_also(first: Flow, table: Mapping[Intent, Flow]) -> Flow:
    async def answer(ctx: Context, turn: Turn) -> Effects:
        answered = await first(ctx, turn)
        also = turn.reading.args.get("also")
        if also is None or also not in _KEYWORDS or also == turn.reading.intent:
            return answered
        topic = turn.reading.args.get("also_topic")
        asked = Reading(
            cast(Intent, also),
            turn.reading.lang,
            {"after": turn.reading.intent},
            turn.reading.confidence,
            topic=next((t for t in TOPICS if t == topic), None),
        )
        second = await table[asked.intent](ctx, replace(turn, reading=asked))
        return in_one_reply(answered, second, answered=(turn.reading.intent, also))

    return answer


def in_one_reply(first: Effects, second: Effects, *, answered: tuple[str, ...]) -> Effects:
    """Two answers as one reply: the texts in order, the buttons of both once each, less the
    keywords of what was answered (COUNT under the count is no next step)."""
    replies = first.replies + second.replies
    done = {_KEYWORDS[intent] for intent in answered if intent in _KEYWORDS}
    buttons: dict[tuple[str, str | None], Button] = {}
    for reply in replies:
        for button in reply.buttons:
            if button.is_share or button.value not in done:
                buttons.setdefault((button.value, button.action), button)
    text = "\n".join(reply.text for reply in replies if reply.text)
    return Effects(
        replies=(Reply(text, tuple(buttons.values())),) if text else (),
        scheduled=first.scheduled + second.scheduled,
    )
