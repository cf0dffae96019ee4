"""Which flow answers which intent: one table, read top to bottom.

A friend's join is a story of its own (sign-up, fraud, rewards, thank-you, staff told) told by
a service, so `app.py` hands it in; every other intent is answered by a flow here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.core.context import Flow
from bot.core.intents import Intent
from bot.flows import count, help, language, leaderboard, link, offer, optout, rewards


def routes(*, join: Flow) -> Mapping[Intent, Flow]:
    table: dict[Intent, Flow] = {
        "link": link.my_link,
        "count": count.my_count,
        "leaderboard": leaderboard.leaderboard,
        "rewards": rewards.my_rewards,
        "offer": offer.explain_offer,
        "help": help.show_help,
        "human": help.put_in_touch,
        "clarify": help.clarify,
        "stop": optout.stop,
        "start": optout.start,
        "join": join,
        "language": language.switch_language,
        "unknown": help.not_understood,
        "media": help.media_prompt,
    }
    return MappingProxyType(table)
