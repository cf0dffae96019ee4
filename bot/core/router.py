"""Which flow answers which intent: one table, read top to bottom."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.flows import count, help, join, language, leaderboard, link, offer, optout, rewards
from bot.flows.base import Flow

ROUTES: Mapping[str, Flow] = MappingProxyType(
    {
        "link": link.my_link,
        "count": count.my_count,
        "leaderboard": leaderboard.leaderboard,
        "rewards": rewards.my_rewards,
        "offer": offer.explain_offer,
        "help": help.show_help,
        "clarify": help.clarify,
        "stop": optout.stop,
        "start": optout.start,
        "join": join.join,
        "language": language.switch_language,
        "unknown": help.not_understood,
        "media": help.media_prompt,
    }
)


def route(intent: str, routes: Mapping[str, Flow] = ROUTES) -> Flow:
    return routes.get(intent, help.not_understood)
