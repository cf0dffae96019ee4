"""A loopback provider fake on an event loop of its own thread, so a command that runs
`asyncio.run` itself (as every CLI command does) can call it from the test's thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar


class Serving(Protocol):
    async def close(self) -> None: ...


F = TypeVar("F", bound=Serving)


@contextmanager
def in_thread(fake: F, start: Callable[[F], Awaitable[object]]) -> Iterator[F]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(start(fake), loop).result(10)
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
