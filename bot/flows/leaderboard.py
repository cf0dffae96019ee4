""" "Who's on top?": the top ten, names masked, and where the asker stands.

Ties share a rank (1, 2, 2, 4); two people whose masked names would look alike are told apart
("Al***", "Al*** (2)"); the asker's own row says so, and below the rows they read their place.
"""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.flows.menu import menu
from bot.flows.names import distinct_masks

TOP = 10


async def leaderboard(ctx: Context, turn: Turn) -> Effects:
    cat, lang = ctx.catalogs, turn.lang
    me = turn.participant  # their count as their message read it: the rank comes with the board
    board, rank = await turn.tx.referrals.board_and_rank(TOP, me.referral_count)
    if not board:
        return Effects.say(cat.text(lang, "leaderboard.empty"), *menu(cat, lang, "LINK"))
    lines = [cat.text(lang, "leaderboard.header")]
    names = distinct_masks([entry.display_name for entry in board])
    for entry, name in zip(board, names, strict=True):
        mine = entry.participant_id == me.id
        key = "leaderboard.row_you" if mine else "leaderboard.row"
        lines.append(cat.text(lang, key, rank=entry.rank, name=name, count=entry.count))
    if rank is None:
        lines.append(cat.text(lang, "leaderboard.you_unranked"))
    else:
        lines.append(cat.text(lang, "leaderboard.you", rank=rank, count=me.referral_count))
    return Effects.say("\n".join(lines), *menu(cat, lang, "LINK", "COUNT"))
