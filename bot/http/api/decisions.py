"""`POST /api/v1/rewards/{id}/approve|void|issue`: the ledger's transitions, the same ones the
CLI and Slack make, with the same refusals (409 naming the reward's state), the actor `api`,
and the customer told through the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from bot.core.clock import Clock
from bot.core.enqueue import enqueue_scheduled
from bot.core.resources import reward_out
from bot.core.rewards import RewardNews
from bot.core.rewards.review import ReviewError, approve_reward, issue_reward, void_reward
from bot.core.store import Store, Tx
from bot.core.store.rewards import Reward
from bot.flows.base import Context
from bot.flows.reward_news import tell
from bot.http.api.guard import Refusal, parse, path_id, read_json
from bot.http.api.shapes import Decision, IssueIn, VoidIn

ACTOR = "api"


class Decisions:
    def __init__(
        self, *, store: Store, context: Context, clock: Clock, kick: Callable[[], None]
    ) -> None:
        self._store = store
        self._context = context
        self._clock = clock
        self._kick = kick

    async def _existing(self, tx: Tx, reward_id: int) -> None:
        if await tx.rewards.get(reward_id) is None:
            raise Refusal(404, f"there is no reward {reward_id}", [("id", "unknown")])

    async def _answer(self, tx: Tx, reward_id: int, news: RewardNews) -> dict[str, Any]:
        now = self._clock.now()
        told = await enqueue_scheduled(tx, await tell(self._context, tx, news, now=now), at=now)
        reward = await tx.rewards.get(reward_id)
        assert reward is not None
        return Decision(reward=reward_out(reward), told=told).model_dump(mode="json")

    async def approve(self, request: Request) -> dict[str, Any]:
        reward_id = path_id(request)
        async with self._store.transaction() as tx:
            await self._existing(tx, reward_id)
            try:
                news = await approve_reward(
                    tx, self._context.program, reward_id, at=self._clock.now(), actor=ACTOR
                )
            except ReviewError as exc:
                raise Refusal(409, str(exc), [("id", str(exc))]) from exc
            answer = await self._answer(tx, reward_id, news)
        self._kick()
        return answer

    async def void(self, request: Request) -> dict[str, Any]:
        reward_id = path_id(request)
        body = parse(VoidIn, await read_json(request), error="invalid body")
        async with self._store.transaction() as tx:
            await self._existing(tx, reward_id)
            try:
                news = await void_reward(
                    tx, reward_id, reason=body.reason, at=self._clock.now(), actor=ACTOR
                )
            except ReviewError as exc:
                raise Refusal(409, str(exc), [("id", str(exc))]) from exc
            answer = await self._answer(tx, reward_id, news)
        self._kick()
        return answer

    async def issue(self, request: Request) -> dict[str, Any]:
        reward_id = path_id(request)
        body = parse(IssueIn, await read_json(request, optional=True), error="invalid body")
        async with self._store.transaction() as tx:
            await self._existing(tx, reward_id)
            try:
                issued: Reward = await issue_reward(
                    tx, reward_id, at=self._clock.now(), actor=ACTOR, reference=body.reference
                )
            except ReviewError as exc:
                raise Refusal(409, str(exc), [("id", str(exc))]) from exc
        return Decision(reward=reward_out(issued), told=0).model_dump(mode="json")
