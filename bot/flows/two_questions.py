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
from bot.core.reading import TOPICS
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
        answered = await first(ctx, turn)
        asked: list[str] = [turn.reading.intent]
        others = turn.reading.args.get("also", "").split()
        topics = turn.reading.args.get("also_topic", "").split()
        answers, left = [answered], []
        for n, also in enumerate(others):
            if also not in _KEYWORDS or also in asked or also in left:
                continue
            if len(asked) == MOST:
                left.append(also)  # offered as a button instead
                continue
            topic = topics[n] if n < len(topics) else None
            reading = Reading(
                cast(Intent, also),
                turn.reading.lang,
                {"after": " ".join(asked)},
                turn.reading.confidence,
                topic=next((t for t in TOPICS if t == topic), None),
            )
            answers.append(await table[reading.intent](ctx, replace(turn, reading=reading)))
            asked.append(also)
        if len(answers) == 1:
            return answered
        offered = menu(ctx.catalogs, turn.lang, *(_KEYWORDS[intent] for intent in left))
        return in_one_reply(*answers, answered=tuple(asked), offered=offered)

    return answer


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
