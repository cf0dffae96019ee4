"""The bot in the browser: `/chat`, a channel like SMS or Telegram with no provider account.

- Identity: a random visitor id in a signed cookie (itsdangerous), SameSite=Lax and HttpOnly.
  Nobody can pick someone else's id, and a cross-site page cannot post as the visitor: the
  cookie stays home and messages must be JSON, which a plain cross-site form cannot send.
- In: `POST /chat/messages` with `{"text": ..., "id": ...}`; the client's id makes a retried
  post one event. Rate-limited per visitor, and per client address (the one uvicorn resolved
  from a trusted proxy's X-Forwarded-For), since a new visitor cookie costs nothing. Hostile
  text goes to the engine like any channel's (it cleans NULs, bidi overrides and zero-width
  marks); over 10,000 characters is refused.
- Out: `GET /chat/events`, Server-Sent Events. `reach()` is the visitors connected to this
  process, so the dispatcher claims only their rows: a message to someone away waits in the
  outbox and goes when they come back (the connection kicks the dispatcher).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from bot.channels.web_page import ChatPage
from bot.core.accept_language import visitor_language
from bot.core.channel import DeliveryFailed, Inbox
from bot.core.clock import Clock
from bot.core.messages import Address, Inbound, Outbound, Profile
from bot.core.plural import counted
from bot.core.signing import Signer

CHANNEL = "web"
COOKIE = "rb_chat"
MAX_TEXT = 10_000  # characters; the engine reads the start of what it accepts
COOKIE_AGE = 365 * 86_400
HEARTBEAT = 15.0  # seconds between SSE comments, so proxies keep the stream open
_EVENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_VISITOR = re.compile(r"[0-9a-f]{32}")


class Limit(Protocol):
    """A request limit per key (bot/http/ratelimit.py's RateLimit)."""

    def allow(self, key: str) -> bool: ...

    def retry_after(self, key: str) -> int: ...


class WebChat:
    """Holds the open event streams, one queue per browser tab, by visitor."""

    name = CHANNEL

    def __init__(
        self,
        *,
        signer: Signer,
        page: ChatPage,
        clock: Clock,
        limit: Limit,
        network_limit: Limit,
        secure: bool,
    ) -> None:
        self._signer = signer
        self._page = page
        self._clock = clock
        self._limit = limit
        self._network_limit = network_limit
        self._secure = secure
        self._streams: dict[str, set[asyncio.Queue[str]]] = {}
        self._ids = itertools.count(1)
        self._wake: Callable[[], None] = lambda: None

    def wake_with(self, kick: Callable[[], None]) -> None:
        """Called when a visitor connects, so what waited for them goes out now."""
        self._wake = kick

    def reach(self) -> frozenset[str] | None:
        return frozenset(self._streams)

    async def send(self, message: Outbound) -> str | None:
        streams = self._streams.get(message.to.id)
        if not streams:  # they left between the claim and now: the row waits for them
            raise DeliveryFailed(
                "rate_limited", permanent=False, detail="visitor not connected", retry_after=2.0
            )
        event = json.dumps(
            {
                "text": message.text,
                # A share button hands its link on in the browser; the others are typed.
                "buttons": [
                    {"label": b.label, "value": b.value, "share": b.is_share}
                    for b in message.buttons
                ],
            },
            ensure_ascii=False,
        )
        for queue in streams:
            queue.put_nowait(event)
        return f"web-{next(self._ids)}"

    def visitor(self, request: Request) -> str | None:
        value = self._signer.read(request.cookies.get(COOKIE), max_age=COOKIE_AGE)
        return value if isinstance(value, str) and _VISITOR.fullmatch(value) else None

    def routes(self, inbox: Inbox) -> Sequence[BaseRoute]:
        async def page(request: Request) -> Response:
            visitor = self.visitor(request)
            lang = visitor_language(
                request.query_params.get("lang"), request.headers.get("accept-language")
            )
            response = self._page.render(lang, join=request.query_params.get("join"))
            if visitor is None:
                response.set_cookie(
                    COOKIE,
                    self._signer.sign(secrets.token_hex(16)),
                    max_age=COOKIE_AGE,
                    httponly=True,
                    samesite="lax",
                    secure=self._secure,
                )
            return response

        async def post(request: Request) -> Response:
            return await self._message(request, inbox)

        return [
            Route("/chat", page, methods=["GET"]),
            Route("/chat/messages", post, methods=["POST"]),
            Route("/chat/events", self._events, methods=["GET"]),
            *self._page.asset_routes(),
        ]

    async def _message(self, request: Request, inbox: Inbox) -> Response:
        visitor = self.visitor(request)
        if visitor is None:
            return _error(403, "no chat session: open /chat first")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error(415, "send JSON: {\"text\": \"...\"}")
        network = request.client.host if request.client else "unknown"
        if not (self._limit.allow(visitor) and self._network_limit.allow(network)):
            # The next message needs a token from both buckets: the longer wait is the real one.
            seconds = max(
                self._limit.retry_after(visitor), self._network_limit.retry_after(network)
            )
            wait = f"wait {counted(seconds, 'second')}, then send again"
            return _error(429, f"too many messages; {wait}", retry_after=seconds)
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return _error(400, "the body is not JSON")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str):
            return _error(400, "\"text\" must be a string")
        if len(text) > MAX_TEXT:
            return _error(413, f"a message has at most {MAX_TEXT:,} characters")
        client_id = body.get("id")
        event = client_id if isinstance(client_id, str) and _EVENT_ID.fullmatch(client_id) else None
        lang = body.get("lang")
        profile = Profile(lang=lang[:20] if isinstance(lang, str) else None)
        await inbox.message(
            Inbound(
                sender=Address(CHANNEL, visitor),
                text=text,
                event_id=event or secrets.token_hex(16),
                received_at=self._clock.now(),
                profile=profile,
            )
        )
        return JSONResponse({"accepted": True}, status_code=202)

    async def _events(self, request: Request) -> Response:
        visitor = self.visitor(request)
        if visitor is None:
            return _error(403, "no chat session: open /chat first")
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._streams.setdefault(visitor, set()).add(queue)
        self._wake()
        return StreamingResponse(
            self._stream(visitor, queue),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def _stream(self, visitor: str, queue: asyncio.Queue[str]) -> AsyncIterator[str]:
        try:
            yield ": connected\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), HEARTBEAT)
                except TimeoutError:
                    yield ": still here\n\n"
                    continue
                yield f"data: {event}\n\n"
        finally:
            streams = self._streams.get(visitor, set())
            streams.discard(queue)
            if not streams:
                self._streams.pop(visitor, None)


def _error(status: int, message: str, *, retry_after: int | None = None) -> Response:
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return JSONResponse({"error": message}, status_code=status, headers=headers)
