""" "You guys suck, my friend signed up and I never got anything": an apology, what the person's
count or rewards say (the complaint is often about them), and where the program's people are.

The count and rewards answers are the route table's own flows, handed in: flows do not import
each other, and the complaint's status reads exactly as COUNT or REWARDS would.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.context import Context, Flow, Turn
from bot.core.effects import Effects
from bot.flows.menu import menu


def acknowledge(status: Mapping[str, Flow]) -> Flow:
    """`status`: the flow answering each thing a complaint may be about ("count", "rewards")."""

    async def complaint(ctx: Context, turn: Turn) -> Effects:
        cat, lang, support = ctx.catalogs, turn.lang, ctx.program.support
        about = status.get(turn.reading.args.get("about", ""))
        if support:
            sorry = Effects.say(cat.text(lang, "complaint.sorry_support", support=support))
        elif about is None:  # no one to send them to: what the bot can do instead
            text = "\n".join([cat.text(lang, "complaint.sorry"), cat.text(lang, "help.human_none")])
            return Effects.say(text, *menu(cat, lang, "LINK", "COUNT", "TOP", "REWARDS"))
        else:
            sorry = Effects.say(cat.text(lang, "complaint.sorry"))
        return sorry if about is None else sorry + await about(ctx, turn)

    return complaint
