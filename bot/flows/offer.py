""" "How does it work?", "what do I get?", "what does my friend get?": the deal, from the program.

Everything said comes from the program file: what the referrer gets and when (a signup, or a
purchase of at least some amount, then a hold), what the friend gets, the cap, the milestones
and how long a link counts. Lines come in order of importance; on SMS only those that fit two
segments are sent, on Telegram and Slack all of them.
"""

from __future__ import annotations

from datetime import date

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.core.program import Program, RewardRule, Side
from bot.core.reward_text import describe, minimum_purchase
from bot.core.sms_text import sms_segments
from bot.flows.fit import SEGMENTS
from bot.flows.menu import menu


def _rule_text(ctx: Context, lang: str, rule: RewardRule, today: date) -> str | None:
    found = rule.amount_on(today)
    if found is None:
        return None
    return describe(
        ctx.catalogs, lang, unit=rule.unit, measure=rule.measure, label=rule.label, amount=found[1]
    )


def side_text(ctx: Context, lang: str, side: Side, today: date) -> str | None:
    """What one side gets today, in words ("$20.00", "500 MB"), or None."""
    program = ctx.program
    texts = [t for r in program.rules_for(side) if (t := _rule_text(ctx, lang, r, today))]
    return ctx.catalogs.format_list(lang, texts) if texts else None


def event_text(ctx: Context, lang: str) -> str:
    """When the referrer earns: "sign up", "buy", "spend $75.00 or more"."""
    program: Program = ctx.program
    if program.qualifying_event == "signup":
        return ctx.catalogs.text(lang, "event.signup")
    if program.min_purchase > 0:
        minimum = minimum_purchase(ctx.catalogs, lang, program)
        return ctx.catalogs.text(lang, "event.purchase_min", minimum=minimum)
    return ctx.catalogs.text(lang, "event.purchase")


def deal_line(ctx: Context, lang: str, today: date) -> str | None:
    """One line for the link reply: "Your friend gets $20.00, you get $20.00 when they buy"."""
    cat = ctx.catalogs
    mine, theirs = side_text(ctx, lang, "referrer", today), side_text(ctx, lang, "friend", today)
    if mine and theirs:
        return cat.text(lang, "deal.both", friend=theirs, reward=mine, event=event_text(ctx, lang))
    if mine:
        return cat.text(lang, "deal.referrer", reward=mine, event=event_text(ctx, lang))
    if theirs:
        return cat.text(lang, "deal.friend", friend=theirs)
    return None


def rewards_nothing(ctx: Context, lang: str, today: date) -> bool:
    """A program that is only a way to share: no reward to either side today, no milestone."""
    sides = (side_text(ctx, lang, side, today) for side in ("referrer", "friend"))
    return not any(sides) and not ctx.program.milestones


def offer_lines(ctx: Context, lang: str, today: date) -> list[str]:
    cat, program = ctx.catalogs, ctx.program
    if rewards_nothing(ctx, lang, today):
        return [cat.text(lang, "offer.none")]
    mine, theirs = side_text(ctx, lang, "referrer", today), side_text(ctx, lang, "friend", today)
    lines = []
    if mine:
        lines.append(cat.text(lang, "offer.referrer", reward=mine, event=event_text(ctx, lang)))
    else:
        lines.append(cat.text(lang, "offer.referrer_none"))
    friend = cat.text(lang, "offer.friend", reward=theirs) if theirs else None
    lines.append(friend or cat.text(lang, "offer.friend_none"))
    if mine and program.hold_days:
        lines.append(cat.text(lang, "offer.hold", count=program.hold_days))
    for rule in program.rules_for("referrer"):
        if rule.cap is not None:
            cap = describe(
                cat, lang, unit=rule.unit, measure=rule.measure, label=rule.label, amount=rule.cap
            )
            lines.append(cat.text(lang, "offer.cap", cap=cap))
    for milestone in program.milestones:
        lines.append(
            cat.text(lang, "offer.milestone", count=milestone.count, reward=milestone.text(lang))
        )
    lines.append(cat.text(lang, "offer.window", count=program.attribution_days))
    return lines


async def explain_offer(ctx: Context, turn: Turn) -> Effects:
    today = ctx.program.day_of(turn.now)
    lines = offer_lines(ctx, turn.lang, today)
    if turn.inbound.sender.channel == "sms":
        shown = lines[:1]
        for line in lines[1:]:
            if sms_segments("\n".join([*shown, line])) > SEGMENTS:
                break
            shown.append(line)
        lines = shown
    # Nothing to earn: a Rewards button would only say so again.
    choices = ("LINK",) if rewards_nothing(ctx, turn.lang, today) else ("LINK", "REWARDS")
    return Effects.say("\n".join(lines), *menu(ctx.catalogs, turn.lang, *choices))
