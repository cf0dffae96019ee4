"""Approve / Void on a held reward's card: who may click, what a stale click is told, and the
card redrawn in place. The decision itself is `services/reward_decisions.py`, the same as the
CLI's and the API's, with the reviewer named as the actor.

Only reviewers (SLACK_STAFF_USERS) decide: an account manager vouching for their own client's
reward is the conflict a review exists to avoid. A click on a reward no longer held (a second
click, a stale card) changes nothing and says who decided it and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.store import Tx
from bot.core.store.rewards import Reward
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


async def reviewable(tx: Tx, click: Click, *, role: Role) -> Reward:
    """The reward the click is about, when this reviewer may still decide it; else `Refused`."""
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
    return reward


def decision_of(click: Click) -> tuple[Literal["approve", "void"], str | None]:
    """The ledger move a button asks for, and the reason a void tells the customer."""
    return ("approve", None) if click.action == REWARD_APPROVE else ("void", VOID_REASON)


async def redraw(ctx: Context, tx: Tx, reward: Reward, click: Click, *, now: datetime) -> Effects:
    """The card the click was on, changed in place to say who decided and when."""
    return await card_change(
        ctx, tx, reward.referral_id, where=click.where, message=click.message, now=now
    )
