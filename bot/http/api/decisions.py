"""`POST /api/v1/rewards/{id}/approve|void|issue`: the ledger's transitions through the one
reward-decision story the CLI, Slack and the dashboard use, with the same refusals (409 naming
the reward's state), the actor `api`, and the customer told through the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request

from bot.core.context import Context
from bot.core.resources import reward_out
from bot.core.store import Tx
from bot.http.api.guard import Refusal, parse, path_id, read_json
from bot.http.api.shapes import Decision, IssueIn, VoidIn
from bot.services.reward_decisions import Decision as Move
from bot.services.reward_decisions import ReviewError, decide
from bot.services.unit_of_work import Done, UnitOfWork

ACTOR = "api"


class Decisions:
    def __init__(self, *, work: UnitOfWork, context: Context) -> None:
        self._work = work
        self._context = context

    async def _decide(
        self, reward_id: int, move: Move, *, reason: str | None = None, reference: str | None = None
    ) -> dict[str, Any]:
        async def work(tx: Tx, now: datetime) -> Done[Any]:
            if await tx.rewards.get(reward_id) is None:
                raise Refusal(404, f"there is no reward {reward_id}", [("id", "unknown")])
            try:
                effects = await decide(
                    self._context,
                    tx,
                    reward_id,
                    move,
                    actor=ACTOR,
                    now=now,
                    reason=reason,
                    reference=reference,
                )
            except ReviewError as exc:
                raise Refusal(409, str(exc), [("id", str(exc))]) from exc
            reward = await tx.rewards.get(reward_id)
            assert reward is not None
            return Done(reward_out(reward), effects)

        reward, told = await self._work.run_counted(work)
        return Decision(reward=reward, told=told).model_dump(mode="json")

    async def approve(self, request: Request) -> dict[str, Any]:
        return await self._decide(path_id(request), "approve")

    async def void(self, request: Request) -> dict[str, Any]:
        reward_id = path_id(request)
        body = parse(VoidIn, await read_json(request), error="invalid body")
        return await self._decide(reward_id, "void", reason=body.reason)

    async def issue(self, request: Request) -> dict[str, Any]:
        reward_id = path_id(request)
        body = parse(IssueIn, await read_json(request, optional=True), error="invalid body")
        return await self._decide(reward_id, "issue", reference=body.reference)
