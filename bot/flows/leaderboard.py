""" "Who's on top?": the top ten, names masked, and where the asker stands."""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.flows.menu import menu
from bot.flows.names import mask_name

TOP = 10


async def leaderboard(ctx: Context, turn: Turn) -> Effects:
    cat, lang = ctx.catalogs, turn.lang
    board = await turn.tx.referrals.board(TOP)
    if not board:
        return Effects.say(cat.text(lang, "leaderboard.empty"), *menu(cat, lang, "LINK"))
    lines = [cat.text(lang, "leaderboard.header")]
    for entry in board:
        lines.append(
            cat.text(
                lang,
                "leaderboard.row",
                rank=entry.rank,
                name=mask_name(entry.display_name),
                count=entry.count,
            )
        )
    rank = await turn.tx.referrals.rank(turn.participant.id)
    if rank is None:
        lines.append(cat.text(lang, "leaderboard.you_unranked"))
    else:
        lines.append(
            cat.text(lang, "leaderboard.you", rank=rank, count=turn.participant.referral_count)
        )
    return Effects.say("\n".join(lines), *menu(cat, lang, "LINK", "COUNT"))
