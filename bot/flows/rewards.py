""" "What have I earned?": paid and approved totals, what is pending and the day each clears.

Sums of the same kind are added up (three $20 rewards read as $60.00); pending rewards are
listed one by one, soonest first, because each clears on its own day; what does not fit two
SMS segments is summed up as "...and 3 more".
"""

from __future__ import annotations

from bot.core.context import Context, Turn
from bot.core.effects import Effects
from bot.core.reward_text import describe, local_day, reason_text, reward_text, summed
from bot.core.store.records import Participant
from bot.core.store.rewards import Reward
from bot.flows.fit import fit
from bot.flows.friend_states import yet_to_buy
from bot.flows.menu import menu
from bot.flows.offer import event_text, side_text

SHOWN_VOIDED = 2


async def my_rewards(ctx: Context, turn: Turn) -> Effects:
    cat, lang = ctx.catalogs, turn.lang
    rewards = [
        r
        for r in await turn.tx.rewards.of_participant(turn.participant.id)
        if r.reason != "cap_reached"  # never granted; the cap line says why
    ]
    if not rewards:
        return Effects.say(await _nothing_yet(ctx, turn), *menu(cat, lang, "LINK"))
    lines = [cat.text(lang, "rewards.header")]
    lines += _settled(ctx, lang, rewards, "issued", "rewards.line_issued")
    lines += _settled(ctx, lang, rewards, "approved", "rewards.line_approved")
    lines += _pending(ctx, turn.participant, rewards)
    for r in [r for r in rewards if r.status == "voided"][:SHOWN_VOIDED]:
        reason = reason_text(cat, lang, r.reason)
        lines.append(
            cat.text(lang, "rewards.line_voided", amount=reward_text(cat, lang, r), reason=reason)
        )
    caps = await _caps(ctx, turn)
    text = "\n".join(
        fit(lines, keep=1, more=lambda n: cat.text(lang, "list.more", count=n), tail=caps)
    )
    return Effects.say(text, *menu(cat, lang, "COUNT", "LINK"))


async def _nothing_yet(ctx: Context, turn: Turn) -> str:
    """What is true when nothing is earned yet: for this program, and for this person."""
    cat, lang, today = ctx.catalogs, turn.lang, ctx.program.day_of(turn.now)
    mine = side_text(ctx, lang, "referrer", today)
    theirs = side_text(ctx, lang, "friend", today)
    if mine is None:
        return (
            cat.text(lang, "rewards.friends_only", friend=theirs)
            if theirs
            else (cat.text(lang, "rewards.empty"))
        )
    if ctx.program.qualifying_event == "signup":
        return cat.text(lang, "rewards.empty_signup", reward=mine)
    lines = [cat.text(lang, "rewards.empty_purchase", reward=mine, event=event_text(ctx, lang))]
    waiting = await yet_to_buy(ctx, turn)
    return "\n".join(lines if waiting is None else [*lines, waiting])


def _settled(ctx: Context, lang: str, rewards: list[Reward], status: str, key: str) -> list[str]:
    """One line per kind of reward: sums for amounts, each perk by name."""
    oldest_first = [r for r in reversed(rewards) if r.status == status]
    texts = summed(ctx.catalogs, lang, oldest_first)
    return [ctx.catalogs.text(lang, key, amount=text) for text in texts]


def _pending(ctx: Context, person: Participant, rewards: list[Reward]) -> list[str]:
    cat, lang = ctx.catalogs, person.lang
    waiting = sorted(
        (r for r in rewards if r.status == "pending"),
        key=lambda r: (r.held is not None, r.hold_until, r.id),
    )
    lines = []
    for r in waiting:
        amount = reward_text(cat, lang, r)
        if r.held is not None:
            lines.append(cat.text(lang, "rewards.line_held", amount=amount))
            continue
        day = local_day(r.hold_until, person, ctx.program.default_time_zone)
        lines.append(
            cat.text(lang, "rewards.line_pending", amount=amount, date=cat.format_date(lang, day))
        )
    return lines


async def _caps(ctx: Context, turn: Turn) -> list[str]:
    lines = []
    for rule in ctx.program.rewards:
        if rule.cap is None:
            continue
        if await turn.tx.rewards.totals.of(turn.participant.id, rule.id) >= rule.cap:
            cap = describe(
                ctx.catalogs,
                turn.lang,
                unit=rule.unit,
                measure=rule.measure,
                label=rule.label,
                amount=rule.cap,
            )
            lines.append(ctx.catalogs.text(turn.lang, "rewards.cap_reached", cap=cap))
    return lines
