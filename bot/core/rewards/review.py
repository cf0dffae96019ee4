"""What the business does by hand: approve or void a held reward, record a payout.

Used by `referral-bot rewards ...` (and Slack, later). A wrong state is an error that says
what the reward's state is, never a silent no-op.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.program import Program
from bot.core.rewards.news import RewardNews
from bot.core.rewards.qualify import reach_milestones
from bot.core.rewards.states import approve, issue, void
from bot.core.store import Tx
from bot.core.store.rewards import Reward


class ReviewError(ValueError):
    """The reward does not exist, or its state does not allow what was asked."""


async def _reward(tx: Tx, reward_id: int) -> Reward:
    reward = await tx.rewards.get(reward_id)
    if reward is None:
        raise ReviewError(f"there is no reward {reward_id}")
    return reward


async def approve_reward(
    tx: Tx, program: Program, reward_id: int, *, at: datetime, actor: str
) -> RewardNews:
    """Approve now, hold or not; a held reward's approval also clears its referral's review."""
    reward = await _reward(tx, reward_id)
    if reward.status != "pending":
        raise ReviewError(
            f"reward {reward_id} is {reward.status}; only pending ones can be approved"
        )
    news = RewardNews()
    if reward.held is not None:
        news = await _clear_review(tx, program, reward, at=at)
    moved = await approve(tx, reward, at=at, actor=actor)
    if moved is None:
        raise ReviewError(f"reward {reward_id} changed meanwhile; look again")
    return news + RewardNews(approved=(moved,))


async def _clear_review(tx: Tx, program: Program, reward: Reward, *, at: datetime) -> RewardNews:
    """The reviewer vouched for this reward: its referral qualifies. Its other held rewards
    wait for their own decision (the card offers Approve and Void on each): a reviewer may
    pay the referrer and void a friend who is the referrer's second phone."""
    await tx.rewards.flags.resolve(reward.referral_id, "approved", at=at)
    referral = await tx.referrals.get(reward.referral_id)
    assert referral is not None
    if referral.status != "signed_up":
        return RewardNews()
    await tx.referrals.set_status(referral.id, "qualified", at=at)
    return await reach_milestones(
        tx, program, referral.referrer_id, referral.id, hold_until=reward.hold_until, at=at
    )


async def issue_reward(
    tx: Tx, reward_id: int, *, at: datetime, actor: str, reference: str | None = None
) -> Reward:
    """The business paid it out in its own systems; the ledger records that it did."""
    reward = await _reward(tx, reward_id)
    if reward.status != "approved":
        hint = {
            "pending": "approve it first",
            "issued": "it was issued already",
            "voided": "a voided reward is never paid",
        }[reward.status]
        raise ReviewError(f"reward {reward_id} is {reward.status}: {hint}")
    moved = await issue(tx, reward, at=at, actor=actor, reference=reference)
    if moved is None:
        raise ReviewError(f"reward {reward_id} changed meanwhile; look again")
    return moved


async def void_reward(
    tx: Tx, reward_id: int, *, reason: str, at: datetime, actor: str
) -> RewardNews:
    reason = reason.strip()
    if not reason:
        raise ReviewError("say why: the reason is what the customer is told")
    reward = await _reward(tx, reward_id)
    if reward.status not in ("pending", "approved"):
        hint = "it was paid out already" if reward.status == "issued" else "it is void already"
        raise ReviewError(f"reward {reward_id} is {reward.status}: {hint}")
    moved = await void(tx, reward, reason=reason[:200], at=at, actor=actor)
    if moved is None:
        raise ReviewError(f"reward {reward_id} changed meanwhile; look again")
    if reward.held is not None:
        await tx.rewards.flags.resolve(reward.referral_id, "voided", at=at)
    return RewardNews(voided=(moved,))
