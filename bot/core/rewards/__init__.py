"""Reward programs: the promises a program makes, kept in an append-only ledger.

Signups reach the engine through `bot.core.signups.sign_up`; purchases, refunds and the
periodic release of holds come here. Each function works inside the caller's transaction and
returns `RewardNews` for `bot.flows.reward_news.tell` to put into words.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.core.program import Program
from bot.core.rewards.news import Capped, RewardNews
from bot.core.rewards.qualify import qualified_count, qualify
from bot.core.rewards.states import approve, void
from bot.core.store import Tx
from bot.core.store.records import Participant
from bot.core.store.rewards import Reward

__all__ = [
    "Capped",
    "Reward",
    "RewardNews",
    "on_purchase",
    "on_refund",
    "qualify",
    "release_holds",
]


async def on_purchase(
    tx: Tx, program: Program, *, participant: Participant, amount: Decimal | None, at: datetime
) -> RewardNews:
    """The friend bought: their referral qualifies when the program waits for a purchase."""
    if program.qualifying_event != "purchase":
        return RewardNews()
    referral = await tx.referrals.of_friend(participant.id)
    if referral is None or referral.status != "signed_up":
        return RewardNews()  # not referred, or qualified by an earlier purchase already
    if (amount is None and program.min_purchase > 0) or (
        amount is not None and amount < program.min_purchase
    ):
        return RewardNews()
    return await qualify(tx, program, referral, at=at)


async def on_refund(
    tx: Tx, program: Program, *, participant: Participant, at: datetime
) -> RewardNews:
    """The friend was refunded: rewards still in their hold are voided, on both sides."""
    referral = await tx.referrals.of_friend(participant.id)
    if referral is None:
        return RewardNews()
    voided: list[Reward] = []
    for reward in await tx.rewards.of_referral(referral.id):
        if reward.kind == "referral" and reward.status == "pending":
            done = await void(tx, reward, reason="refunded", at=at, actor="refund")
            if done is not None:
                voided.append(done)
    if not voided:
        return RewardNews()  # past the hold: what was approved stands
    await tx.rewards.flags.resolve(referral.id, "voided", at=at)
    if referral.status in ("qualified", "rewarded"):
        await tx.referrals.set_status(referral.id, "signed_up", at=at)
    voided.extend(await _unreach_milestones(tx, referral.referrer_id, at=at))
    return RewardNews(voided=tuple(voided))


async def _unreach_milestones(tx: Tx, referrer_id: int, *, at: datetime) -> list[Reward]:
    """A refund that takes the count back below a milestone still in its hold voids it."""
    count = await qualified_count(tx, referrer_id)
    voided = []
    for reward in await tx.rewards.of_participant(referrer_id):
        if reward.kind != "milestone" or reward.status != "pending":
            continue
        if int(reward.rule_id.removeprefix("milestone-")) > count:
            done = await void(tx, reward, reason="refunded", at=at, actor="refund")
            if done is not None:
                voided.append(done)
    return voided


async def release_holds(
    tx: Tx, program: Program, *, now: datetime, limit: int = 1000
) -> RewardNews:
    """Approve the rewards whose hold ended and that wait on no reviewer (a periodic job)."""
    approved = []
    for reward in await tx.rewards.due(now, limit=limit):
        moved = await approve(tx, reward, at=now, actor="hold")
        if moved is not None:  # another worker may have approved it first
            approved.append(moved)
    return RewardNews(approved=tuple(approved))
