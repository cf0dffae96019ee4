"""`/api/v1`: the business's site and CRM talk to the bot (bearer `REFERRAL_API_TOKEN`).

Events in (`events.py`); participants, referrals, rewards and reports out (`reads.py`); reward
decisions (`decisions.py`); dead messages sent again (`outbox.py`); the OpenAPI document
(`openapi.py`). Every answer is JSON, errors included (`guard.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.context import Context
from bot.core.store import Store
from bot.http.api.decisions import Decisions
from bot.http.api.events import Events
from bot.http.api.guard import Refusal, bearer
from bot.http.api.openapi import openapi_document
from bot.http.api.outbox import OutboxRetry
from bot.http.api.reads import Reads
from bot.services.conversions import Intake
from bot.services.unit_of_work import UnitOfWork

Handler = Callable[[Request], Awaitable[Mapping[str, Any]]]

__all__ = ["api_routes", "openapi_document"]


def api_routes(
    *,
    store: Store,
    intake: Intake,
    work: UnitOfWork,
    token: str | None,
    context: Context,
    kick: Callable[[], None] = lambda: None,
) -> list[BaseRoute]:
    check = bearer(token)

    def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                check(request)
                return JSONResponse(await handler(request))
            except Refusal as refusal:
                return refusal.response()

        return endpoint

    events = Events(intake=intake, clock=work.clock)
    reads = Reads(store=store, links=context.links)
    decide = Decisions(work=work, context=context)
    outbox = OutboxRetry(work=work, kick=kick)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    v1 = "/api/v1"
    return [
        Route(f"{v1}/events", guarded(events.post), methods=["POST"]),
        Route(f"{v1}/participants", guarded(reads.participants), methods=["GET"]),
        Route(f"{v1}/participants/{{id}}", guarded(reads.participant), methods=["GET"]),
        Route(f"{v1}/referrals", guarded(reads.referrals), methods=["GET"]),
        Route(f"{v1}/rewards", guarded(reads.rewards), methods=["GET"]),
        Route(f"{v1}/rewards/{{id}}/approve", guarded(decide.approve), methods=["POST"]),
        Route(f"{v1}/rewards/{{id}}/void", guarded(decide.void), methods=["POST"]),
        Route(f"{v1}/rewards/{{id}}/issue", guarded(decide.issue), methods=["POST"]),
        Route(f"{v1}/reports/funnel", guarded(reads.funnel), methods=["GET"]),
        Route(f"{v1}/outbox/retry", guarded(outbox.post), methods=["POST"]),
        Route(f"{v1}/openapi.json", openapi, methods=["GET"]),
    ]
