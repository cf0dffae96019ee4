"""A referral qualifies: the promises the program makes for it, once, within caps.

The amounts are those in force on the friend's signup day, whenever the qualifying event
comes. A referral under review gets its rewards recorded but held, and counts toward no
milestone until a reviewer clears it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.core.program import Program, RewardRule
from bot.core.reward_rules import perk_label
from bot.core.rewards.news import Capped, RewardNews
from bot.core.rewards.states import approve
from bot.core.store import Tx
from bot.core.store.records import Referral
from bot.core.store.rewards import Reward

ENGINE = "engine"  # the actor named in the ledger for what the rules did by themselves


def signup_day(program: Program, referral: Referral) -> date:
    """The day the friend signed up, in the program's time zone: it picks the amounts."""
    return program.day_of(referral.created_at)


async def qualify(
    tx: Tx,
    program: Program,
    referral: Referral,
    *,
    at: datetime,
    flags: Sequence[str] | None = None,
) -> RewardNews:
    """`flags`: the referral's open fraud flags, when the caller has them at hand."""
    if flags is None:
        flags = await tx.rewards.flags.open_for(referral.id)
    held = flags[0] if flags else None
    if held is None and referral.status != "qualified":
        await tx.referrals.set_status(referral.id, "qualified", at=at)
    hold_until = at + timedelta(days=program.hold_days)
    news = RewardNews()
    day = signup_day(program, referral)
    for rule in program.rewards:
        found = rule.amount_on(day)
        if found is not None:
            news += await _grant(tx, rule, referral, found, held=held, hold_until=hold_until, at=at)
    if held is None:
        news += await reach_milestones(
            tx, program, referral.referrer_id, referral.id, hold_until=hold_until, at=at
        )
    if program.hold_days == 0:
        news = await _approve_now(tx, news, at=at)
    return news


async def _grant(
    tx: Tx,
    rule: RewardRule,
    referral: Referral,
    found: tuple[int, Decimal],
    *,
    held: str | None,
    hold_until: datetime,
    at: datetime,
) -> RewardNews:
    version, amount = found
    who = referral.referrer_id if rule.side == "referrer" else referral.friend_id
    # The row first: it claims "once per referral, side and rule" before any cap room is taken.
    reward = await tx.rewards.create(
        referral_id=referral.id,
        participant_id=who,
        side=rule.side,
        kind="referral",
        rule_id=rule.id,
        rule_version=version,
        unit=rule.unit,
        measure=rule.measure,
        label=rule.label,
        amount=amount,
        held=held,
        hold_until=hold_until,
        at=at,
        actor=ENGINE,
    )
    if reward is None:
        return RewardNews()
    got = await tx.rewards.totals.take(who, rule.id, amount, cap=rule.cap)
    if got == amount:
        return RewardNews(granted=(reward,))
    assert rule.cap is not None
    capped = (Capped(who, rule.id, rule.unit, rule.measure, rule.label, rule.cap),)
    if got > 0:
        reward = await tx.rewards.shrink(reward.id, got)
        await tx.rewards.append(reward, actor=ENGINE, at=at)
        return RewardNews(granted=(reward,), capped=capped)
    voided = await tx.rewards.move(
        reward.id, to="voided", only_from=("pending",), at=at, actor=ENGINE, reason="cap_reached"
    )
    assert voided is not None
    return RewardNews(granted=(voided,), capped=capped)


async def qualified_count(tx: Tx, referrer_id: int) -> int:
    by_status = (await tx.referrals.counts(referrer_id)).by_status
    return by_status.get("qualified", 0) + by_status.get("rewarded", 0)


async def reach_milestones(
    tx: Tx,
    program: Program,
    referrer_id: int,
    referral_id: int,
    *,
    hold_until: datetime,
    at: datetime,
) -> RewardNews:
    """Every milestone at or below the count is reached once (the unique index decides)."""
    if not program.milestones:
        return RewardNews()
    count = await qualified_count(tx, referrer_id)
    reached: list[Reward] = []
    for milestone in program.milestones:
        if milestone.count > count:
            break
        reward = await tx.rewards.create(
            referral_id=referral_id,
            participant_id=referrer_id,
            side="referrer",
            kind="milestone",
            rule_id=milestone.rule_id,
            rule_version=0,
            unit="perk",
            measure=None,
            label=perk_label(milestone.perk),
            amount=Decimal(1),
            held=None,
            hold_until=hold_until,
            at=at,
            actor=ENGINE,
        )
        if reward is not None:
            reached.append(reward)
    return RewardNews(milestones=tuple(reached))


async def _approve_now(tx: Tx, news: RewardNews, *, at: datetime) -> RewardNews:
    """No hold period: what is not held for review is approved as it is granted."""

    async def now(reward: Reward) -> Reward:
        if reward.status != "pending" or reward.held is not None:
            return reward
        return await approve(tx, reward, at=at, actor=ENGINE) or reward

    granted = tuple([await now(r) for r in news.granted])
    milestones = tuple([await now(r) for r in news.milestones])
    return RewardNews(granted, news.approved, news.voided, milestones, news.capped)
