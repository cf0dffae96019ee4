"""Which flow answers which intent: one table, read top to bottom.

A friend's join is a story of its own (sign-up, fraud, rewards, thank-you, staff told) told by
a service, so `app.py` hands it in; every other intent is answered by a flow here. A rewards or
offer question with a topic ("when do I get paid?", "is there a limit?") gets that topic's
flow, whichever of the two intents read it; an unknown message asking for a language we don't
speak is answered with the ones we do, and one asking for another person's count with why it
gets none; a second question in the same message ("what's my link and how many joined?") is
answered below the first, in the same reply (two_questions.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.core.context import Context, Flow, Turn
from bot.core.effects import Effects
from bot.core.intents import Intent
from bot.core.reading import Topic
from bot.flows import (
    complaint,
    count,
    expiry,
    help,
    language,
    leaderboard,
    limits,
    link,
    offer,
    optout,
    payout,
    rewards,
)
from bot.flows.two_questions import answering_both

TOPICS: Mapping[Topic, Flow] = MappingProxyType(
    {"expiry": expiry.rewards_dont_expire, "when": payout.when_paid, "cap": limits.the_limit}
)


def by_topic(plain: Flow) -> Flow:
    """`plain` answers the intent; a topic the reader found is answered by its own flow."""

    async def answer(ctx: Context, turn: Turn) -> Effects:
        topic = turn.reading.topic
        return await (plain if topic is None else TOPICS[topic])(ctx, turn)

    return answer


def by_tone(plain: Flow, **tones: Flow) -> Flow:
    """`plain` answers the intent; a reading with one of `tones` is answered by its flow."""

    async def answer(ctx: Context, turn: Turn) -> Effects:
        return await tones.get(turn.reading.tone or "", plain)(ctx, turn)

    return answer


def routes(*, join: Flow) -> Mapping[Intent, Flow]:
    table: dict[Intent, Flow] = {
        "link": link.my_link,
        "count": count.my_count,
        "leaderboard": leaderboard.leaderboard,
        "rewards": by_topic(rewards.my_rewards),
        "offer": by_topic(offer.explain_offer),
        "help": help.show_help,
        "human": help.put_in_touch,
        "complaint": complaint.acknowledge(
            {"count": count.my_count, "rewards": rewards.my_rewards}
        ),
        "clarify": help.clarify,
        "stop": optout.stop,
        "start": optout.start,
        "join": join,
        "language": language.switch_language,
        "unknown": by_tone(
            help.not_understood, unspoken=language.not_spoken, others=count.only_yours
        ),
        "media": help.media_prompt,
    }
    return MappingProxyType(answering_both(table))
