""" "When do I get paid?": the day each pending reward is approved, what waits on a review, and
when rewards come at all, by the program's own rules (a signup or a purchase, then the hold).

Days are the person's own (their time zone, else the program's) in their language's date
format; pending rewards are listed soonest first, and what does not fit two SMS segments is
summed up as "...and 3 more". The program's rule always closes the answer.
"""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.core.reward_text import local_day, reward_text, summed
from bot.core.store.rewards import Reward
from bot.flows.fit import fit
from bot.flows.friend_states import yet_to_buy
from bot.flows.menu import menu
from bot.flows.offer import event_text, side_text


async def when_paid(ctx: Context, turn: Turn) -> Effects:
    cat, lang, today = ctx.catalogs, turn.lang, ctx.program.day_of(turn.now)
    mine = side_text(ctx, lang, "referrer", today)
    theirs = side_text(ctx, lang, "friend", today)
    if mine is None and theirs is None:
        return Effects.say(cat.text(lang, "rewards.empty"), *menu(cat, lang, "LINK"))
    rewards = await turn.tx.rewards.of_participant(turn.participant.id)
    lines, weights = _waiting(ctx, turn, rewards)
    friend = await _as_friend(ctx, turn, rewards, theirs)
    if not lines and not friend:
        lines, weights = [cat.text(lang, "payout.nothing")], [0]
    # A friend who refers nobody yet hears about their own reward, not the referrers' rule.
    own = bool(friend) or any(r.side == "friend" for r in rewards)
    after = list(friend)
    if mine is not None and not (own and turn.participant.referral_count == 0):
        after += await _as_referrer(ctx, turn, mine, rewards)
    elif mine is None and not rewards and not friend:
        after.append(cat.text(lang, "rewards.friends_only", friend=theirs))
    # Said after the person's own rewards and dropped first when SMS runs short, never
    # counted in "...and 3 more" (weight 0).
    more = lambda n: cat.text(lang, "list.more", count=n)  # noqa: E731
    shown = fit([*lines, *after], keep=1, more=more, weights=[*weights, *[0] * len(after)])
    return Effects.say("\n".join(shown), *menu(cat, lang, "REWARDS", "LINK"))


def _waiting(ctx: Context, turn: Turn, rewards: list[Reward]) -> tuple[list[str], list[int]]:
    """Pending rewards, soonest first, each with its day; those under review in one line; those
    approved already summed up in another. Each line's weight is the rewards it stands for."""
    cat, lang, person = ctx.catalogs, turn.lang, turn.participant
    pending = sorted(
        (r for r in rewards if r.status == "pending" and r.held is None),
        key=lambda r: (r.hold_until, r.id),
    )
    lines, weights = [], []
    for r in pending:
        # A hold that ended a moment ago is approved by the next sweep: today, not a past day.
        day = local_day(max(r.hold_until, turn.now), person, ctx.program.default_time_zone)
        amount, date = reward_text(cat, lang, r), cat.format_date(lang, day)
        lines.append(cat.text(lang, "payout.pending", amount=amount, date=date))
        weights.append(1)
    held = [reward_text(cat, lang, r) for r in rewards if r.status == "pending" and r.held]
    if held:
        lines.append(cat.text(lang, "reward.held", amount=cat.format_list(lang, held)))
        weights.append(len(held))
    approved = [r for r in reversed(rewards) if r.status == "approved"]  # oldest first
    if approved:
        amount = cat.format_list(lang, summed(cat, lang, approved))
        lines.append(cat.text(lang, "payout.approved", amount=amount))
        weights.append(len(approved))
    return lines, weights


async def _as_friend(
    ctx: Context, turn: Turn, rewards: list[Reward], theirs: str | None
) -> list[str]:
    """A referred friend whose reward waits for their purchase: what to do, and any review."""
    cat, lang = ctx.catalogs, turn.lang
    if theirs is None or ctx.program.qualifying_event != "purchase":
        return []
    if any(r.side == "friend" for r in rewards):
        return []  # bought already: the reward is listed above
    referral = await turn.tx.referrals.of_friend(turn.participant.id)
    if referral is None:
        return []
    lines = [cat.text(lang, "join.next_purchase", reward=theirs, event=event_text(ctx, lang))]
    if await turn.tx.rewards.flags.open_for(referral.id):
        lines.append(cat.text(lang, "join.held"))
    return lines


async def _as_referrer(ctx: Context, turn: Turn, mine: str, rewards: list[Reward]) -> list[str]:
    """Friends who still have to buy, then when a friend's reward comes, by the program."""
    cat, lang, program = ctx.catalogs, turn.lang, ctx.program
    lines = []
    if program.qualifying_event == "purchase":
        bought = frozenset(r.referral_id for r in rewards if r.kind == "referral")
        waiting = await yet_to_buy(ctx, turn, bought)
        lines += [] if waiting is None else [waiting]
    event = event_text(ctx, lang)
    if program.hold_days:
        lines.append(
            cat.text(lang, "payout.rule_hold", count=program.hold_days, reward=mine, event=event)
        )
    else:
        lines.append(cat.text(lang, "payout.rule_now", reward=mine, event=event))
    return lines
