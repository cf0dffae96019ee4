"""My link: what the friend gets in one line, the link, and ready-made ways to share it.

On Telegram and Slack a share button travels with the reply (a share sheet, a block to copy,
a QR code); on SMS the text itself is what people forward.
"""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.core.messages import Button
from bot.flows.menu import menu
from bot.flows.offer import deal_line


async def my_link(ctx: Context, turn: Turn) -> Effects:
    cat, lang, code = ctx.catalogs, turn.lang, turn.participant.code
    await turn.tx.participants.mark_link_sent(
        turn.participant.id, turn.now, channel=turn.inbound.sender.channel
    )
    web = ctx.links.web(code)
    deep = ctx.links.deep(turn.inbound.sender.channel, code)
    if deep is not None:
        text = cat.text(lang, "link.reply_telegram", link=web, deep_link=deep, code=code)
    else:
        text = cat.text(lang, "link.reply", link=web, code=code)
    deal = deal_line(ctx, lang, ctx.program.day_of(turn.now))
    if deal:
        text = f"{deal}\n{text}"
    share = Button.share(cat.text(lang, "buttons.share"), deep or web)
    return Effects.say(text, share, *menu(cat, lang, "COUNT", "TOP"))
