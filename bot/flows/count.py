""" "How many friends have I referred?": read off the referrer's row, with what did not count.

"Why didn't my friend count?" is answered here in plain words: refusals (own code, already a
customer, already referred, too late), and referrals that earned nothing (cap reached, held for
review, refunded). Where the program has milestones, it says how far the next one is.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.core.i18n import Catalogs
from bot.core.reward_text import reason_text
from bot.core.rewards.qualify import qualified_count
from bot.core.store.flags import NotCounted
from bot.flows.fit import fit
from bot.flows.friend_states import friend_lines
from bot.flows.menu import menu
from bot.flows.names import mask_name

SHOWN = 3  # the most recent friends who did not count; older ones are no news


async def only_yours(ctx: Context, turn: Turn) -> Effects:
    """ "How many did John refer?": each person hears only their own count."""
    cat, lang = ctx.catalogs, turn.lang
    return Effects.say(cat.text(lang, "count.only_yours"), *menu(cat, lang, "COUNT", "LINK"))


async def my_count(ctx: Context, turn: Turn) -> Effects:
    cat, lang, me = ctx.catalogs, turn.lang, turn.participant
    # The counts are on the sender's row, read as their message came in (kept by triggers in
    # the statements that change referrals): no counting here.
    notes = await turn.tx.rewards.flags.notes(me.id)
    if me.referral_count == 0 and _link_in_the_reply(turn):
        lines = [cat.text(lang, "count.none_link_above")]  # the link once, not twice
    elif me.referral_count == 0:
        lines = [cat.text(lang, "count.none", link=ctx.links.web(me.code))]
    else:
        lines = [cat.text(lang, "count.total", count=me.referral_count)]
        # Held or refunded friends are not "waiting to qualify": they are listed with why.
        waiting = me.pending_count - sum(1 for n in notes if n.status == "signed_up")
        if waiting:
            lines.append(cat.text(lang, "count.pending", count=waiting))
    # Past the cap a friend still counts (and got theirs): listed with the others, with the cap.
    notes = [n for n in notes if n.reason != "cap_reached"]
    milestone = await _next_milestone(ctx, turn)
    if milestone:
        lines.append(milestone)
    keep = len(lines)
    weights, unlisted = [0] * keep, 0
    if me.referral_count:
        friends, unlisted = await friend_lines(ctx, turn, frozenset(n.referral_id for n in notes))
        lines += friends
        weights += [1] * len(friends)
    if me.rejected_count or notes:
        why, more_why = await _not_counted(cat, turn, notes)
        lines += why
        weights += [0] + [1] * (len(why) - 1) if why else []  # the heading stands for nobody
        unlisted += more_why
    shown = fit(
        lines,
        keep=keep,
        more=lambda n: cat.text(lang, "list.more", count=n),
        weights=weights,
        unlisted=unlisted,
    )
    return Effects.say("\n".join(shown), *menu(cat, lang, "LINK", "TOP"))


def _link_in_the_reply(turn: Turn) -> bool:
    """ "My link and how many joined?": the link answers the other question of the message."""
    args = turn.reading.args
    return "link" in (*args.get("also", "").split(), *args.get("after", "").split())


async def _next_milestone(ctx: Context, turn: Turn) -> str | None:
    if not ctx.program.milestones:
        return None
    qualified = await qualified_count(turn.tx, turn.participant.id)
    upcoming = ctx.program.next_milestone(qualified)
    if upcoming is None:
        return None
    return ctx.catalogs.text(
        turn.lang,
        "count.next_milestone",
        remaining=upcoming.count - qualified,
        reward=upcoming.text(turn.lang),
    )


async def _not_counted(cat: Catalogs, turn: Turn, notes: list[NotCounted]) -> tuple[list[str], int]:
    """Why a friend did not count, in plain words: the question every referrer asks; and how
    many more there were than are shown."""
    why: list[tuple[datetime, str, str | None]] = [
        (line.created_at, line.friend_name, line.reason)
        for line in await turn.tx.referrals.lines(turn.participant.id, limit=50)
        if line.status == "rejected" and line.reason != "self_referral"  # their own attempt
    ]
    why += [(note.at, note.friend_name, note.reason) for note in notes]
    why.sort(key=lambda item: item[0], reverse=True)
    if not why:
        return [], 0
    out = [cat.text(turn.lang, "count.not_counted_header")]
    for _, name, reason in why[:SHOWN]:
        out.append(
            cat.text(
                turn.lang,
                "count.not_counted_line",
                name=mask_name(name),
                reason=reason_text(cat, turn.lang, reason),
            )
        )
    return out, max(0, len(why) - SHOWN)
