"""Approve, void or mark issued from the dashboard: the ledger moves and the customer is told,
in one transaction, exactly as `referral-bot rewards ...` does it.

# TODO(merge): call bot/services/reward_decisions.py once it is on main (the shared story).
"""

from __future__ import annotations

from bot.core.enqueue import enqueue_scheduled
from bot.core.rewards.review import ReviewError, approve_reward, issue_reward, void_reward
from bot.core.store.admin_views import AdminViews
from bot.flows.reward_news import tell
from bot.http.admin.desk import Desk

__all__ = ["ReviewError", "decide"]


async def decide(
    desk: Desk, reward_id: int, action: str, *, actor: str, reason: str = "", payout: str = ""
) -> int:
    """Returns how many messages were queued; raises ReviewError with what is wrong."""
    now = desk.clock.now()
    async with desk.store.transaction() as tx:
        if action == "approve":
            news = await approve_reward(tx, desk.program, reward_id, at=now, actor=actor)
        elif action == "void":
            news = await void_reward(tx, reward_id, reason=reason, at=now, actor=actor)
        elif action == "issue":
            if not payout.strip():
                raise ReviewError("give the payout reference (a transfer or voucher id)")
            await issue_reward(tx, reward_id, at=now, actor=actor)
            await AdminViews(tx.conn).note_payout(reward_id, payout.strip()[:120])
            return 0
        else:
            raise ReviewError(f"unknown action {action!r}")
        told = await enqueue_scheduled(tx, await tell(desk.context, tx, news, now=now), at=now)
    if told:
        desk.kick()
    return told
