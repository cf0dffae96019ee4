"""Rewards: the review queue first; approve, void with a reason, mark issued with a payout
reference, one or many at once. The customer is told; every decision names who made it."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.core.plural import counted
from bot.core.store.admin_views import AdminViews
from bot.core.store.database import row_id
from bot.core.store.rewards import STATUSES
from bot.http.admin.decisions import ReviewError, decide_from_dashboard
from bot.http.admin.desk import Desk
from bot.http.admin.session import Sessions, Visit, guarded
from bot.services.reward_decisions import Decision

ACTIONS = {"approve": "approved", "void": "voided", "issue": "marked issued"}
ACTIONS_BY_NAME: dict[str, Decision] = {"approve": "approve", "void": "void", "issue": "issue"}
NEEDS = {  # the field an action cannot go without, and what the page says when it is empty
    "void": ("reason", "Say why: the reason is what the customer is told."),
    "issue": ("payout", "Give the payout reference (a transfer or voucher id)."),
}


def reward_routes(desk: Desk, sessions: Sessions) -> list[BaseRoute]:
    async def queue(visit: Visit) -> Response:
        status = visit.request.query_params.get("status", "")
        async with desk.store.snapshot() as tx:
            views = AdminViews(tx.conn)
            lines = await views.rewards(status=status if status in STATUSES else None)
            payouts = await views.payouts([line.reward.id for line in lines])
        return desk.page(
            visit,
            "rewards.html",
            here="/admin/rewards",
            title="Rewards",
            lines=[(line, desk.reward(line.reward), payouts.get(line.reward.id)) for line in lines],
            statuses=STATUSES,
            chosen=status,
        )

    async def decision(visit: Visit) -> Response:
        form = await visit.request.form()
        # A row's own button says "approve:7": that reward alone, whatever else is picked.
        action, _, one = str(form.get("action", "")).partition(":")
        named = [one] if one else [v for v in form.getlist("reward") if isinstance(v, str)]
        ids = [n for n in map(row_id, named) if n is not None]
        if action not in ACTIONS or not ids:
            return desk.back("/admin/rewards", problem="Choose one or more rewards and an action.")
        field, missing = NEEDS.get(action, ("", ""))
        if field and not str(form.get(field, "")).strip():
            return desk.back("/admin/rewards", problem=missing)
        reason = str(form.get("reason", ""))[:200]
        payout = str(form.get("payout", ""))[:120]
        done, told, problems = [], 0, []
        for reward_id in ids:  # one transaction each: one refusal does not undo the others
            try:
                told += await decide_from_dashboard(
                    desk, reward_id, ACTIONS_BY_NAME[action], actor=f"admin:{visit.user.email}",
                    reason=reason, payout=payout,
                )
                done.append(str(reward_id))
            except ReviewError as exc:
                problems.append(str(exc))
        notice = ""
        if done:
            told_text = counted(told, "message")
            notice = f"Reward {', '.join(done)} {ACTIONS[action]}; {told_text} to customers"
            notice += " queued."
        return desk.back("/admin/rewards", notice=notice, problem=" ".join(problems)[:300])

    return [
        Route("/admin/rewards", guarded(sessions, queue), methods=["GET"]),
        Route("/admin/rewards", guarded(sessions, decision, change=True), methods=["POST"]),
    ]
