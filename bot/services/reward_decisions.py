"""A person decides a reward: approve it, void it for a reason, or record its payout.

The CLI, the reviewers' buttons in Slack, the REST API and the dashboard all come here, so each
decision makes the same ledger move, names its actor, and tells the customer and the staff's
cards the same way. An impossible move raises `ReviewError` and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.rewards import RewardNews
from bot.core.rewards.review import ReviewError, approve_reward, issue_reward, void_reward
from bot.core.store import Tx
from bot.services.announce import announce

Decision = Literal["approve", "void", "issue"]

__all__ = ["Decision", "ReviewError", "decide"]


async def decide(
    ctx: Context,
    tx: Tx,
    reward_id: int,
    decision: Decision,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    reference: str | None = None,
) -> Effects:
    """`actor` names who decided (`cli`, `slack:U123`, `api`, `admin:ann@corp.com`);
    `reason` is required to void and is what the customer is told; `reference` is the
    business's own payout id, kept on the ledger entry of an issue."""
    if decision == "approve":
        news = await approve_reward(tx, ctx.program, reward_id, at=now, actor=actor)
    elif decision == "void":
        news = await void_reward(tx, reward_id, reason=reason or "", at=now, actor=actor)
    else:
        await issue_reward(tx, reward_id, at=now, actor=actor, reference=reference)
        news = RewardNews()  # a payout is the business's to announce; the ledger records it
    return await announce(ctx, tx, news, now=now)
