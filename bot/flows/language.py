"""Switching language: remembered, and used for every later message, scheduled ones too."""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects


async def switch_language(ctx: Context, turn: Turn) -> Effects:
    lang = turn.reading.args.get("lang", "")
    if lang not in ctx.catalogs.languages():
        return Effects.say(ctx.catalogs.text(turn.lang, "language.choose"))
    await turn.tx.participants.set_language(turn.participant.id, lang, chosen=True)
    return Effects.say(ctx.catalogs.text(lang, "language.switched"))


async def not_spoken(ctx: Context, turn: Turn) -> Effects:
    """ "Español por favor", 日本語: the languages the bot writes, and how to choose one."""
    return Effects.say(ctx.catalogs.text(turn.lang, "language.unspoken"))
