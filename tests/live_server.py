"""The app served for real on a loopback port chosen by the kernel (port 0), in this event loop:
for event streams and browsers, which need a socket rather than an in-memory transport."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

from bot.core.config import Settings
from bot.http.server import server_config


def bind() -> tuple[socket.socket, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def serving(
    app: ASGIApp, sock: socket.socket, *, settings: Settings | None = None
) -> AsyncIterator[None]:
    """With `settings`, uvicorn configured as `serve` configures it (bot/http/server.py)."""
    options: dict[str, object] = {
        "lifespan": "on",
        "log_config": None,
        "timeout_graceful_shutdown": 1,
        "ws": "none",
    }
    if settings is None:
        config = uvicorn.Config(app, **options)  # type: ignore[arg-type]
    else:
        config = server_config(app, settings, **options)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # the server's own readiness flag, not a guess at how long
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task
        sock.close()
