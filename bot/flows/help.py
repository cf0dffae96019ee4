"""Help, small talk, a question back when unsure, and the answer when nothing was understood."""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.core.messages import Button
from bot.flows import optout
from bot.flows.menu import menu

# What a person types to get each intent the reader may ask about (clarify options).
_KEYWORDS = {
    "link": "LINK",
    "count": "COUNT",
    "leaderboard": "TOP",
    "rewards": "REWARDS",
    "offer": "OFFER",
}
_LEAVING = ("bye", "no")  # no menu of everything to someone saying goodbye or no thanks


async def show_help(ctx: Context, turn: Turn) -> Effects:
    """The full help; small talk (hi, thanks, ok, bye, no thanks) gets one friendly line
    above the menu, and a goodbye or a no only the link's button."""
    if turn.identity.opted_out and turn.inbound.text.strip().casefold() == "/start":
        # Telegram's Start (or Restart) button after STOP: the way back there, as START is
        # (`/start@our_bot` arrives as `/start`; another bot's never arrives: telegram_updates)
        return await optout.start(ctx, turn)
    tone = turn.reading.tone
    if tone in _LEAVING:
        return Effects.say(
            ctx.catalogs.text(turn.lang, f"help.{tone}"), *menu(ctx.catalogs, turn.lang, "LINK")
        )
    key = f"help.{tone}" if tone in ("hello", "thanks", "ok") else "help.text"
    return Effects.say(
        ctx.catalogs.text(turn.lang, key),
        *menu(ctx.catalogs, turn.lang, "LINK", "COUNT", "TOP", "REWARDS"),
    )


async def put_in_touch(ctx: Context, turn: Turn) -> Effects:
    """ "Can I talk to a person?": where the program's people are, or what the bot can do."""
    cat, lang, support = ctx.catalogs, turn.lang, ctx.program.support
    if support:
        return Effects.say(cat.text(lang, "help.human", support=support))
    return Effects.say(
        cat.text(lang, "help.human_none"), *menu(cat, lang, "LINK", "COUNT", "TOP", "REWARDS")
    )


async def clarify(ctx: Context, turn: Turn) -> Effects:
    """ "Did you mean 1) your link or 2) how many friends joined?"; 1, 2 or a button answers."""
    options = [o for o in turn.reading.args.get("options", "").split() if o in _KEYWORDS][:2]
    if len(options) < 2:
        return await not_understood(ctx, turn)
    cat, lang = ctx.catalogs, turn.lang
    first, second = (cat.text(lang, f"clarify.{o}") for o in options)
    buttons = tuple(Button(cat.text(lang, f"clarify.{o}"), _KEYWORDS[o]) for o in options)
    text = cat.text(lang, "clarify.ask", first=first, second=second)
    return Effects.say(text, *buttons, kind="clarify")


async def not_understood(ctx: Context, turn: Turn) -> Effects:
    """What the bot can do; and where the program's people are, when it has some, for what
    the bot can't answer ("what time does the store close?")."""
    cat, lang, support = ctx.catalogs, turn.lang, ctx.program.support
    text = (
        cat.text(lang, "unknown.reply_support", support=support)
        if support
        else cat.text(lang, "unknown.reply")
    )
    return Effects.say(text, *menu(cat, lang, "LINK", "HELP"))


async def media_prompt(ctx: Context, turn: Turn) -> Effects:
    return Effects.say(ctx.catalogs.text(turn.lang, "media.prompt"))
