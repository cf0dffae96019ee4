"""Deadlines for clients that send a request slowly (slowloris), so they cannot hold sockets.

What uvicorn offers: `timeout_keep_alive` closes a connection idle *between* requests, and h11
(not httptools, its default when installed) caps the size of an incomplete header block. What it
does not: no deadline for the request line and headers (a client sending a byte a second holds
its connection for ever) and none for the body. So:

- `header_deadline(seconds)`: uvicorn's own HTTP protocol, plus a timer from a request's first
  byte (or the connection's opening) to the end of its headers, and a cap on their size. It is
  handed to `uvicorn.Config(http=...)`, which accepts a protocol class.
- `BodyDeadline`: ASGI middleware bounding the time from the headers to the body's last byte;
  408 and the connection closed when it runs out.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.auto import AutoHTTPProtocol

HEADER_TIMEOUT = 10.0  # seconds from a request's first byte to its last header
BODY_TIMEOUT = 30.0  # seconds from the headers to the body's last byte (webhooks are a few KB)
MAX_HEADER_BYTES = 64 * 1024  # a request line and headers longer than any real client's
_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-length: 0\r\nconnection: close\r\n\r\n"
)


def header_deadline(
    seconds: float = HEADER_TIMEOUT, *, max_bytes: int = MAX_HEADER_BYTES
) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools, else h11) with a deadline and a cap on headers.

    It reads the protocol's `cycle` (the request being answered, made when headers complete),
    `transport` and `loop`, which both of uvicorn's implementations have.
    """
    base: Any = AutoHTTPProtocol

    class HeaderDeadline(base):  # type: ignore[misc]
        _timer: asyncio.TimerHandle | None = None
        _waiting_cycle: object = None  # the cycle current when the timer was armed
        _header_bytes = 0
        _tail = b""  # the last bytes of the headers so far: their end may straddle two reads

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._arm()  # a connection that never sends a byte is cut off too

        def data_received(self, data: bytes) -> None:
            if self._timer is None and (self.cycle is None or self.cycle.response_complete):
                self._arm()  # the first bytes of the next request on a kept-alive connection
            if self._timer is not None and self.cycle is self._waiting_cycle:
                # Counted before the parser sees them: headers that end in this very read
                # (all 70 KB in one go) would otherwise be complete, and served, uncounted.
                end = (self._tail + data).find(b"\r\n\r\n")
                self._header_bytes += len(data) if end < 0 else end + 4 - len(self._tail)
                if self._header_bytes > max_bytes:
                    self._refuse(_TOO_LARGE)
                    return
                self._tail = (self._tail + data)[-3:]
            super().data_received(data)
            if self._timer is not None and self.cycle is not self._waiting_cycle:
                self._disarm()  # the headers are complete

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._waiting_cycle, self._header_bytes, self._tail = self.cycle, 0, b""
            self._timer = self.loop.call_later(seconds, self._expired)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _expired(self) -> None:
            self._timer = None
            # Nothing sent at all (a browser's preconnect): just close; else say why.
            self._refuse(_TIMED_OUT if self._header_bytes or self.cycle is not None else b"")

        def _refuse(self, answer: bytes) -> None:
            self._disarm()
            if not self.transport.is_closing():
                if answer:
                    self.transport.write(answer)
                self.transport.close()

    return HeaderDeadline


class SlowBody(Exception):
    """The body did not arrive in time."""


class BodyDeadline:
    """Bound the time a request's body may take to arrive; 408 when it runs out.

    Only the body is bounded: once its last part is in, `receive` waits as long as the app
    likes (an event stream waits there for the client to leave).
    """

    def __init__(self, app: ASGIApp, *, seconds: float = BODY_TIMEOUT) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.seconds
        body_done = False
        started = False

        async def bounded() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise SlowBody from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded, watched)
        except SlowBody:
            if started:
                raise
            await send(
                {
                    "type": "http.response.start",
                    "status": 408,
                    "headers": [(b"content-length", b"0"), (b"connection", b"close")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
