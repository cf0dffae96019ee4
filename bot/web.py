"""The one ASGI app: every channel's webhook routes, health, metrics; the lifespan runs the
dispatcher and the clock, and starts and stops the channels that need it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, MutableMapping, Sequence
from typing import Any, Protocol, runtime_checkable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.app import ReferralBot
from bot.core.store.health import check_writes
from bot.http.api import api_routes
from bot.http.api.guard import bearer_is
from bot.http.links import link_routes
from bot.http.page_headers import PageHeaders
from bot.http.public_pages import Site, page_routes

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # bytes; provider webhooks are a few KB, so 1 MB is refused before parsing


@runtime_checkable
class Lifecycle(Protocol):
    """A channel that must do something at start (register a webhook, start polling) or stop."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def too_large(scope: Scope, max_bytes: int) -> Response:
    """Providers and scripts read the plain line; the dashboard's one upload (a program file
    on Program) gets a page with the limit and the way back, not a bare line in the browser."""
    if not str(scope.get("path", "")).startswith("/admin"):
        return PlainTextResponse("request body too large", status_code=413)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>Too large · referral-bot</title><link rel="stylesheet" href="/assets/admin.css">'
        "</head><body><main><h1>That file is too large</h1>"
        f"<p>What you sent is over {max_bytes // 1000:,} KB, more than the dashboard reads; "
        "a program file is a page of TOML.</p>"
        '<p><a href="/admin/program">Back to Program</a></p></main></body></html>'
    )
    return HTMLResponse(page, status_code=413)


class BodyLimit:
    """Refuse bodies over the limit with 413, by header or while streaming, before any parsing."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await too_large(scope, self.max_bytes)(scope, receive, send)
            return
        seen = 0
        body_chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await too_large(scope, self.max_bytes)(scope, receive, send)
                return
            body_chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(body_chunks)
        replayed = False

        async def replay() -> MutableMapping[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def create_app(
    bot: ReferralBot, *, extra_routes: Sequence[BaseRoute] = (), run_background: bool = True
) -> ASGIApp:
    async def healthz(request: Request) -> Response:
        try:
            # A write, not SELECT 1: a read-only or full database answers reads and refuses
            # every message (bot/core/store/health.py). The store opens each transaction
            # afresh, so a database writable again recovers without a restart.
            await check_writes(bot.store)
            database = "ok"
        except Exception as exc:  # report, don't crash: this is the page that says what's wrong
            database = f"error: {type(exc).__name__}: {str(exc)[:200]}"
        # A channel whose credentials the provider refused sends nothing: said here, but
        # answered 200, since the links, the dashboard and the other channels still work and
        # a load balancer taking the server out for it would stop them too.
        refused = bot.dispatcher.refusals()
        channels = {
            name: f"failing: credentials refused ({refused[name]})" if name in refused else "on"
            for name in bot.channels
        }
        body = {
            "status": "ok" if database == "ok" and not refused else "degraded",
            "database": database,
            "channels": channels,
        }
        return JSONResponse(body, status_code=200 if database == "ok" else 503)

    async def metrics(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest  # at the first scrape

        token = bot.settings.metrics_token
        if token and not bearer_is(request, token):
            return Response(
                "metrics need the METRICS_TOKEN bearer token\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
                media_type="text/plain",
            )
        await bot.business.refresh()
        return Response(generate_latest(bot.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    for channel in bot.channels.values():
        routes.extend(channel.routes(bot.inbox))
    routes.extend(
        link_routes(
            store=bot.store,
            catalogs=bot.catalogs,
            pages=bot.pages,
            program=bot.program,
            clock=bot.clock,
            limit=bot.link_limit,
            public_base_url=bot.settings.public_base_url,
        )
    )
    routes.extend(
        page_routes(
            Site(
                store=bot.store,
                program=bot.program,
                catalogs=bot.catalogs,
                pages=bot.pages,
                context=bot.context,
                clock=bot.clock,
                work=bot.work,
                kick=bot.dispatcher.kick,
                secret=bot.secret,
                channels=frozenset(bot.channels),
                sms_number=bot.settings.twilio_from_number,
                public_base_url=bot.settings.public_base_url,
            )
        )
    )
    routes.extend(
        api_routes(
            store=bot.store,
            intake=bot.intake,
            work=bot.work,
            token=bot.settings.referral_api_token,
            context=bot.context,
            kick=bot.dispatcher.kick,
        )
    )
    routes.extend(extra_routes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started: list[Lifecycle] = []
        for channel in bot.channels.values():
            if isinstance(channel, Lifecycle):
                await channel.start()
                started.append(channel)
        scheduler = bot.clockwork() if run_background else None
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.stop()
            for running in reversed(started):
                with contextlib.suppress(Exception):
                    await running.stop()

    return BodyLimit(PageHeaders(Starlette(routes=routes, lifespan=lifespan)))
