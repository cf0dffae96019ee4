""" "What's my link and how many friends joined?", "link, count and top?": the answers, in the
order asked, in one reply.

The reader lists the other questions in `also` (and their topics in `also_topic`,
bot/core/questions.py); the first intent's flow answers, then each other's as if it had been
asked alone (its reading's `after` naming those answered before it: the count leaves out the
link the reply already has), and they become one message: one outbox row, one text on SMS.
Up to MOST are answered; a question past them is offered as its keyword. The buttons of all
follow, without repeats and without the keywords of what was just answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import cast

from bot.core.context import Context, Flow, Turn
from bot.core.effects import Effects, Reply
from bot.core.intents import Intent, Reading
from bot.core.messages import Button
from bot.core.reading import TOPICS, Topic
from bot.flows.menu import menu

MOST = 3  # answers in one reply: each fits its own two SMS segments (fit.py), three stay short
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
        todo, left = _others(turn.reading)
        if not todo:
            return await first(ctx, turn)
        # The first answer knows what follows it (the count leaves out a link that comes next).
        args = {**turn.reading.args, "also": " ".join(intent for intent, _ in todo)}
        answers = [await first(ctx, replace(turn, reading=replace(turn.reading, args=args)))]
        asked: list[str] = [turn.reading.intent]
        for intent, topic in todo:
            reading = Reading(
                intent,
                turn.reading.lang,
                {"after": " ".join(asked)},
                turn.reading.confidence,
                topic=topic,
            )
            answers.append(await table[intent](ctx, replace(turn, reading=reading)))
            asked.append(intent)
        offered = menu(ctx.catalogs, turn.lang, *(_KEYWORDS[intent] for intent in left))
        return in_one_reply(*answers, answered=tuple(asked), offered=offered)

    return answer


def _others(reading: Reading) -> tuple[list[tuple[Intent, Topic | None]], list[str]]:
    """The other questions a reading asks, each once: those answered after it (with their
    topics), and those past MOST, offered as their keywords."""
    topics = reading.args.get("also_topic", "").split()
    others: dict[str, Topic | None] = {}
    for n, intent in enumerate(reading.args.get("also", "").split()):
        if intent in _KEYWORDS and intent != reading.intent and intent not in others:
            topic = topics[n] if n < len(topics) else None
            others[intent] = next((t for t in TOPICS if t == topic), None)
    ordered = [(cast(Intent, intent), topic) for intent, topic in others.items()]
    return ordered[: MOST - 1], [intent for intent, _ in ordered[MOST - 1 :]]


def in_one_reply(
    *answers: Effects, answered: tuple[str, ...], offered: tuple[Button, ...] = ()
) -> Effects:
    """Several answers as one reply: the texts in order, then the buttons of what was asked
    and not answered (`offered`), and those of each answer once, less the keywords of what was
    answered (COUNT under the count is no next step)."""
    replies = tuple(reply for effects in answers for reply in effects.replies)
    done = {_KEYWORDS[intent] for intent in answered if intent in _KEYWORDS}
    buttons: dict[tuple[str, str | None], Button] = {}
    for button in (*offered, *(b for reply in replies for b in reply.buttons)):
        if button.is_share or button.value not in done:
            buttons.setdefault((button.value, button.action), button)
    text = "\n".join(reply.text for reply in replies if reply.text)
    return Effects(
        replies=(Reply(text, tuple(buttons.values())),) if text else (),
        scheduled=tuple(s for effects in answers for s in effects.scheduled),
    )
