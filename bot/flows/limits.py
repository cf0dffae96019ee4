""" "Is there a limit?", "how many friends can I refer?": the program's cap, or plainly none.

A cap is on what a referrer earns under one reward rule ("500 MB a friend, up to 16 GB"), never
on how many friends they may invite: past it friends still join, and get their own reward. The
answer says the cap, what it comes to in friends at today's amount, and how much of it this
person has earned; then the milestones, the program's tiers.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.core.program import RewardRule
from bot.core.reward_text import describe
from bot.flows.menu import menu
from bot.flows.offer import event_text, side_text


async def the_limit(ctx: Context, turn: Turn) -> Effects:
    cat, lang, program = ctx.catalogs, turn.lang, ctx.program
    today = program.day_of(turn.now)
    rules = [r for r in program.rules_for("referrer") if r.amount_on(today) is not None]
    theirs = side_text(ctx, lang, "friend", today)
    capped = [r for r in rules if r.cap is not None]
    if capped:
        lines, reached = [], True
        for rule in capped:
            said, full = await _cap(ctx, turn, rule, today)
            lines += said
            reached = reached and full
        for rule in rules:
            if rule.cap is None:
                per = _words(ctx, lang, rule, _per_friend(rule, today))
                lines.append(cat.text(lang, "limit.uncapped", reward=per))
        if not reached:  # reached: the cap line says friends still get theirs
            after = cat.text(lang, "limit.after_cap", friend=theirs) if theirs else None
            lines.append(after or cat.text(lang, "limit.after_cap_plain"))
    elif rules:
        mine = side_text(ctx, lang, "referrer", today)
        lines = [cat.text(lang, "limit.none", reward=mine, event=event_text(ctx, lang))]
    elif theirs:
        lines = [cat.text(lang, "limit.none_friends", friend=theirs)]
    else:
        lines = [cat.text(lang, "limit.none_plain")]
    for milestone in program.milestones:
        lines.append(
            cat.text(lang, "offer.milestone", count=milestone.count, reward=milestone.text(lang))
        )
    return Effects.say("\n".join(lines), *menu(cat, lang, "LINK", "REWARDS"))


def _words(ctx: Context, lang: str, rule: RewardRule, amount: Decimal) -> str:
    return describe(
        ctx.catalogs, lang, unit=rule.unit, measure=rule.measure, label=rule.label, amount=amount
    )


def _per_friend(rule: RewardRule, today: date) -> Decimal:
    found = rule.amount_on(today)
    assert found is not None  # only rules in force today are asked about
    return found[1]


async def _cap(ctx: Context, turn: Turn, rule: RewardRule, today: date) -> tuple[list[str], bool]:
    """The cap's lines, and whether this person has reached it."""
    cat, lang = ctx.catalogs, turn.lang
    assert rule.cap is not None
    cap, per = _words(ctx, lang, rule, rule.cap), _per_friend(rule, today)
    if per > 0:
        # The friend who crosses the cap earns what is left of it, so they count too.
        friends = int((rule.cap / per).to_integral_value(rounding=ROUND_CEILING))
        reward = _words(ctx, lang, rule, per)
        lines = [cat.text(lang, "limit.cap", count=friends, cap=cap, reward=reward)]
    else:
        lines = [cat.text(lang, "offer.cap", cap=cap)]
    earned = await turn.tx.rewards.totals.of(turn.participant.id, rule.id)
    if earned >= rule.cap:
        return [*lines, cat.text(lang, "rewards.cap_reached", cap=cap)], True
    if earned > 0:
        so_far = _words(ctx, lang, rule, earned)
        lines.append(cat.text(lang, "limit.progress", amount=so_far, cap=cap))
    return lines, False
