""" "Do my rewards expire?": no, as the program file has it, and what does run out.

The program file sets rewards no end date, and nothing in the ledger runs out with time: a
reward moves pending -> approved -> issued, or is voided by a refund or a review, never by a
clock. What does end is a friend's window to join after opening the link, said below.
"""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.flows.menu import menu


async def rewards_dont_expire(ctx: Context, turn: Turn) -> Effects:
    cat, lang, program = ctx.catalogs, turn.lang, ctx.program
    if not program.rewards and not program.milestones:
        return Effects.say(cat.text(lang, "offer.none"), *menu(cat, lang, "LINK"))
    lines = [
        cat.text(lang, "expiry.none"),
        cat.text(lang, "offer.window", count=program.attribution_days),
    ]
    return Effects.say("\n".join(lines), *menu(cat, lang, "REWARDS", "LINK"))
