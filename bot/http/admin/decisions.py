"""Approve, void or mark issued from the dashboard, through the shared story every surface uses
(`bot.services.reward_decisions`): the ledger moves, the customer and the staff cards are told,
all in one unit of work."""

from __future__ import annotations

from datetime import datetime

from bot.core.store import Tx
from bot.core.store.admin_views import AdminViews
from bot.http.admin.desk import Desk
from bot.services.reward_decisions import Decision, ReviewError, decide
from bot.services.unit_of_work import Done

__all__ = ["ReviewError", "decide_from_dashboard"]


async def decide_from_dashboard(
    desk: Desk, reward_id: int, decision: Decision, *, actor: str, reason: str, payout: str
) -> int:
    """Returns how many messages were queued; raises ReviewError with what is wrong (the page
    has made sure a void has its reason and an issue its payout reference)."""

    async def work(tx: Tx, now: datetime) -> Done[None]:
        effects = await decide(
            desk.context, tx, reward_id, decision, actor=actor, now=now, reason=reason
        )
        if decision == "issue":
            await AdminViews(tx.conn).note_payout(reward_id, payout.strip()[:120])
        return Done(None, effects)

    _, told = await desk.work.run_counted(work)
    return told
