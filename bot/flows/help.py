"""Help, greetings, and what the bot says when it did not understand."""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.flows.menu import menu


async def show_help(ctx: Context, turn: Turn) -> Effects:
    return Effects.say(
        ctx.catalogs.text(turn.lang, "help.text"),
        *menu(ctx.catalogs, turn.lang, "LINK", "COUNT", "TOP", "REWARDS"),
    )


async def not_understood(ctx: Context, turn: Turn) -> Effects:
    return Effects.say(
        ctx.catalogs.text(turn.lang, "unknown.reply"),
        *menu(ctx.catalogs, turn.lang, "LINK", "HELP"),
    )


async def media_prompt(ctx: Context, turn: Turn) -> Effects:
    return Effects.say(ctx.catalogs.text(turn.lang, "media.prompt"))
