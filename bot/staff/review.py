"""Approve / Void on a held reward's card: the same ledger moves as `referral-bot rewards`, the
reviewer named as the actor, the customer told, the card redrawn in place.

Only reviewers (SLACK_STAFF_USERS) decide: an account manager vouching for their own client's
reward is the conflict a review exists to avoid. A click on a reward no longer held (a second
click, a stale card) changes nothing and says who decided it and when.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.rewards.review import ReviewError, approve_reward, void_reward
from bot.core.store import Tx
from bot.core.store.rewards import Reward
from bot.flows.base import Context, Effects
from bot.flows.reward_news import tell
from bot.staff.access import Role
from bot.staff.mrkdwn import actor, moment
from bot.staff.referral_card import card_change
from bot.staff.requests import REWARD_APPROVE, Click, Refused

# Rewards are held because the fraud rules flagged their referral; voiding one says so, and the
# customer is told it in their language (reason.suspected_fraud).
VOID_REASON = "suspected_fraud"


async def _settled(tx: Tx, reward: Reward) -> str:
    decision = await tx.staff.decision(reward.id)
    if reward.status == "pending":
        return f"Reward #{reward.id} no longer waits for a review; nothing changed."
    by = f" by {actor(decision.actor)} {moment(decision.at)}" if decision else ""
    return f"Reward #{reward.id} was already {reward.status}{by}; nothing changed."


async def decide(ctx: Context, tx: Tx, click: Click, *, role: Role, now: datetime) -> Effects:
    if not role.reviewer:
        raise Refused(
            "Only the program's reviewers (SLACK_STAFF_USERS) approve or void rewards; "
            "nothing changed."
        )
    reward = await tx.rewards.get(click.target)
    if reward is None:
        raise Refused(f"There is no reward #{click.target}; nothing changed.")
    if reward.status != "pending" or reward.held is None:
        raise Refused(await _settled(tx, reward))
    by = f"slack:{click.user}"
    try:
        if click.action == REWARD_APPROVE:
            news = await approve_reward(tx, ctx.program, reward.id, at=now, actor=by)
        else:
            news = await void_reward(tx, reward.id, reason=VOID_REASON, at=now, actor=by)
    except ReviewError as exc:  # a concurrent decision won; this transaction is rolled back
        raise Refused(f"{exc}; nothing changed.") from exc
    card = await card_change(
        ctx, tx, reward.referral_id, where=click.where, message=click.message, now=now
    )
    return card + await tell(ctx, tx, news, now=now)
