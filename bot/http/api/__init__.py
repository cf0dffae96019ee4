"""`/api/v1`: the business's site and CRM talk to the bot (bearer `REFERRAL_API_TOKEN`).

Events in (`events.py`); participants, referrals, rewards and reports out (`reads.py`); reward
decisions (`decisions.py`); dead messages sent again (`outbox.py`); the OpenAPI document
(`openapi.py`), whose bounds on amounts, dates and blank text are the ones checked
(`values.py`). Every answer is JSON, errors included (`guard.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.context import Context
from bot.core.store import Store
from bot.http.api.guard import Refusal, bearer
from bot.services.conversions import Intake
from bot.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bot.http.api.decisions import Decisions
    from bot.http.api.events import Events
    from bot.http.api.outbox import OutboxRetry
    from bot.http.api.reads import Reads

Handler = Callable[[Request], Awaitable[Mapping[str, Any]]]

__all__ = ["api_routes"]


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

    def guarded(handler: Callable[[], Handler]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                check(request)
                return JSONResponse(await handler()(request))
            except Refusal as refusal:
                return refusal.response()

        return endpoint

    # Each handler's module, with its pydantic models (~1 MB in all), is imported at the first
    # request it answers: a process that no site or CRM calls never holds them.
    @cache
    def events() -> Events:
        from bot.http.api.events import Events

        return Events(intake=intake, clock=work.clock)

    @cache
    def reads() -> Reads:
        from bot.http.api.reads import Reads

        return Reads(store=store, links=context.links)

    @cache
    def decide() -> Decisions:
        from bot.http.api.decisions import Decisions

        return Decisions(work=work, context=context)

    @cache
    def outbox() -> OutboxRetry:
        from bot.http.api.outbox import OutboxRetry

        return OutboxRetry(work=work, kick=kick)

    async def openapi(request: Request) -> Response:
        from bot.http.api.openapi import openapi_document

        return JSONResponse(openapi_document())

    v1 = "/api/v1"
    return [
        Route(f"{v1}/events", guarded(lambda: events().post), methods=["POST"]),
        Route(f"{v1}/participants", guarded(lambda: reads().participants), methods=["GET"]),
        Route(f"{v1}/participants/{{id}}", guarded(lambda: reads().participant), methods=["GET"]),
        Route(f"{v1}/referrals", guarded(lambda: reads().referrals), methods=["GET"]),
        Route(f"{v1}/rewards", guarded(lambda: reads().rewards), methods=["GET"]),
        Route(f"{v1}/rewards/{{id}}/approve", guarded(lambda: decide().approve), methods=["POST"]),
        Route(f"{v1}/rewards/{{id}}/void", guarded(lambda: decide().void), methods=["POST"]),
        Route(f"{v1}/rewards/{{id}}/issue", guarded(lambda: decide().issue), methods=["POST"]),
        Route(f"{v1}/reports/funnel", guarded(lambda: reads().funnel), methods=["GET"]),
        Route(f"{v1}/outbox/retry", guarded(lambda: outbox().post), methods=["POST"]),
        Route(f"{v1}/openapi.json", openapi, methods=["GET"]),
    ]
