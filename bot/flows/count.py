""" "How many friends have I referred?": counted from the referral rows, with what did not count."""

from __future__ import annotations

from bot.core.i18n import Catalogs
from bot.flows.base import Context, Effects, Turn
from bot.flows.menu import menu
from bot.flows.names import mask_name


async def my_count(ctx: Context, turn: Turn) -> Effects:
    cat, lang = ctx.catalogs, turn.lang
    counts = await turn.tx.referrals.counts(turn.participant.id)
    if counts.counted == 0:
        lines = [cat.text(lang, "count.none", link=ctx.links.web(turn.participant.code))]
    else:
        lines = [cat.text(lang, "count.total", count=counts.counted)]
        if counts.pending and counts.pending != counts.counted:
            lines.append(cat.text(lang, "count.pending", count=counts.pending))
    if counts.rejected:
        lines.extend(await _not_counted(cat, turn))
    return Effects.say("\n".join(lines), *menu(cat, lang, "LINK", "TOP"))


async def _not_counted(cat: Catalogs, turn: Turn) -> list[str]:
    """Why a friend did not count, in plain words: the question every referrer asks."""
    rejected = [
        line
        for line in await turn.tx.referrals.lines(turn.participant.id, limit=50)
        if line.status == "rejected"
    ][:3]
    if not rejected:
        return []
    out = [cat.text(turn.lang, "count.not_counted_header")]
    for line in rejected:
        reason = cat.text(turn.lang, f"reason.{line.reason}")
        out.append(
            cat.text(
                turn.lang, "count.not_counted_line", name=mask_name(line.friend_name), reason=reason
            )
        )
    return out
