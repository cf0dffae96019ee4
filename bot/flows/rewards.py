""" "What have I earned?": what the reward ledger holds for the asker."""

from __future__ import annotations

from bot.flows.base import Context, Effects, Turn
from bot.flows.menu import menu


async def my_rewards(ctx: Context, turn: Turn) -> Effects:
    # The ledger arrives with reward programs; until then there is honestly nothing to show.
    return Effects.say(
        ctx.catalogs.text(turn.lang, "rewards.empty"), *menu(ctx.catalogs, turn.lang, "LINK")
    )
