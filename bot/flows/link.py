"""My link: the code, the web link, and a deep link where the channel has one."""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.flows.menu import menu


async def my_link(ctx: Context, turn: Turn) -> Effects:
    code = turn.participant.code
    await turn.tx.participants.mark_link_sent(turn.participant.id, turn.now)
    web = ctx.links.web(code)
    deep = ctx.links.deep(turn.inbound.sender.channel, code)
    if deep is not None:
        text = ctx.catalogs.text(
            turn.lang, "link.reply_telegram", link=web, deep_link=deep, code=code
        )
    else:
        text = ctx.catalogs.text(turn.lang, "link.reply", link=web, code=code)
    return Effects.say(text, *menu(ctx.catalogs, turn.lang, "COUNT", "TOP"))
