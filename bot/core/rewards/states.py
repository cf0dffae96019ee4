"""Moving rewards through `pending -> approved -> issued` or `voided`, with what follows.

Every move is conditional on the state it leaves, so a second approval, payout or void of the
same reward finds nothing to move. Voiding gives the amount back to the person's cap room.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.store import Tx
from bot.core.store.rewards import Reward


async def approve(tx: Tx, reward: Reward, *, at: datetime, actor: str) -> Reward | None:
    moved = await tx.rewards.move(
        reward.id, to="approved", only_from=("pending",), at=at, actor=actor
    )
    if moved is not None:
        await _mark_rewarded(tx, moved.referral_id, at=at)
    return moved


async def void(
    tx: Tx,
    reward: Reward,
    *,
    reason: str,
    at: datetime,
    actor: str,
    only_from: tuple[str, ...] = ("pending", "approved"),
) -> Reward | None:
    moved = await tx.rewards.move(
        reward.id, to="voided", only_from=only_from, at=at, actor=actor, reason=reason
    )
    if moved is not None:
        await tx.rewards.totals.give_back(moved.participant_id, moved.rule_id, moved.amount)
    return moved


async def issue(
    tx: Tx, reward: Reward, *, at: datetime, actor: str, reference: str | None = None
) -> Reward | None:
    """`reference`: the business's own payout id, kept on the ledger entry."""
    return await tx.rewards.move(
        reward.id, to="issued", only_from=("approved",), at=at, actor=actor, note=reference
    )


async def _mark_rewarded(tx: Tx, referral_id: int, *, at: datetime) -> None:
    """A qualified referral whose reward is approved has done all it can: `rewarded`."""
    referral = await tx.referrals.get(referral_id)
    if referral is not None and referral.status == "qualified":
        await tx.referrals.set_status(referral_id, "rewarded", at=at)
