"""Slow clients (slowloris) over a real socket: headers or a body sent a byte at a time are cut
off at their deadline, and the server answers everyone else meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bot.core.clock import FakeClock
from bot.core.store import Store
from bot.http import slow_clients
from bot.web import create_app
from tests.http.dashboard_kit import dashboard_bot
from tests.live_server import bind, serving

DEADLINE = 1.0  # seconds, for headers and for the body (10 and 30 in production)
# The server's clock starts at accept, a moment before ours starts after connecting (and
# loop.time() is read at the loop's resolution): a close a few ms early is still on time.
EARLY = 0.05
BYTE_EVERY = 0.2  # the slow client's pace: a request takes it far longer than the deadline
REQUEST = b"POST /api/v1/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"


@pytest.fixture(params=["httptools", "h11"])
async def base(
    request: pytest.FixtureRequest,
    store: Store,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[str]:
    # uvicorn parses with httptools when it is installed, else h11: both get the deadlines.
    parser = HttpToolsProtocol if request.param == "httptools" else H11Protocol
    monkeypatch.setattr(slow_clients, "AutoHTTPProtocol", parser)
    sock, url = bind()
    bot = await dashboard_bot(
        store,
        tmp_path,
        url,
        clock=clock,
        http_header_timeout=DEADLINE,
        http_body_timeout=DEADLINE,
    )
    async with serving(create_app(bot, run_background=False), sock, settings=bot.settings):
        yield url


async def slowly(base: str, head: bytes, drip: bytes) -> tuple[bytes, float]:
    """Send `head` at once, then `drip` a byte at a time; what the server answered (until it
    closed the connection) and how long that took."""
    where = urlsplit(base)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def feed() -> None:
        writer.write(head)
        for byte in drip:
            await asyncio.sleep(BYTE_EVERY)
            writer.write(bytes([byte]))
            await writer.drain()

    feeding = asyncio.create_task(feed())
    try:
        answer = await asyncio.wait_for(reader.read(), 10)  # until the server closes
    finally:
        feeding.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await feeding
        writer.close()
    return answer, loop.time() - started


async def others_are_answered(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.get("/healthz")).status_code == 200


async def test_headers_sent_a_byte_at_a_time_are_cut_off(base: str) -> None:
    slow = asyncio.create_task(slowly(base, b"", REQUEST + b"Content-Length: 2\r\n\r\n{}"))
    await asyncio.sleep(DEADLINE / 2)
    await others_are_answered(base)
    answer, took = await slow
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert DEADLINE - EARLY <= took < DEADLINE + 1.5
    await others_are_answered(base)


async def test_a_body_sent_a_byte_at_a_time_is_cut_off(base: str) -> None:
    body = b'{"type": "signup", "idempotency_key": "k1"}'
    head = REQUEST + f"Content-Length: {len(body)}\r\n\r\n".encode()
    slow = asyncio.create_task(slowly(base, head, body))
    await asyncio.sleep(DEADLINE / 2)
    await others_are_answered(base)
    answer, took = await slow
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert b"connection: close" in answer.lower()
    assert DEADLINE - EARLY <= took < DEADLINE + 1.5
    await others_are_answered(base)


async def test_a_connection_that_says_nothing_is_closed(base: str) -> None:
    answer, took = await slowly(base, b"", b"")
    assert answer == b""
    assert DEADLINE - EARLY <= took < DEADLINE + 1.5


async def test_endless_headers_are_refused(base: str) -> None:
    endless = REQUEST + b"".join(b"X-Filler-%d: %s\r\n" % (n, b"a" * 1000) for n in range(80))
    answer, _ = await slowly(base, endless, b"")
    assert answer.split(b"\r\n")[0] in (
        b"HTTP/1.1 431 Request Header Fields Too Large",  # httptools: our cap
        b"HTTP/1.1 400 Bad Request",  # h11 refuses by its own cap (h11_max_incomplete_event_size)
    )


async def test_headers_over_64_kb_sent_at_once_are_refused(base: str) -> None:
    big = b"GET /healthz HTTP/1.1\r\nHost: bot\r\nX-Filler: " + b"a" * 70_000 + b"\r\n\r\n"
    answer, _ = await slowly(base, big, b"")
    assert answer.split(b"\r\n")[0] == b"HTTP/1.1 431 Request Header Fields Too Large"
    await others_are_answered(base)


async def test_a_large_body_behind_small_headers_is_not_mistaken_for_them(base: str) -> None:
    body = b'{"pad": "' + b"a" * 100_000 + b'"}'
    head = REQUEST + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
    answer, _ = await slowly(base, head + body, b"")
    assert answer.split(b"\r\n")[0] == b"HTTP/1.1 401 Unauthorized"  # read, and answered
