"""The real app served by uvicorn on a loopback port, in a thread of its own, over a known
month of referrals: for clients that speak HTTP themselves (schemathesis)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import uvicorn

from bot.app import build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.store import open_store
from bot.web import create_app
from tests.fakes import CollectingChannel
from tests.services.test_reports import november

TOKEN = "s3cret-token"


@contextmanager
def served(database_url: str) -> Iterator[str]:
    """Yields the base URL; the server stops (and the store closes) on exit."""
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def main() -> None:
        store = await open_store(database_url)
        try:
            await november(store)
            settings = Settings(
                database_url=database_url,
                public_base_url="https://ref.example",
                referral_api_token=TOKEN,
            )
            clock = FakeClock(datetime(2026, 11, 27, 12, tzinfo=UTC))
            bot = await build(
                settings, channels=[CollectingChannel("console")], clock=clock, store=store
            )
            config = uvicorn.Config(
                create_app(bot, run_background=False),
                host="127.0.0.1",
                port=0,
                log_level="warning",
                lifespan="on",
            )
            server = uvicorn.Server(config)
            state["server"] = server
            serving = asyncio.create_task(server.serve())
            # uvicorn says it is listening only through this flag
            while not server.started and not serving.done():  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            state["port"] = server.servers[0].sockets[0].getsockname()[1]
            ready.set()
            await serving
        finally:
            ready.set()
            await store.close()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    ready.wait(30)
    if "port" not in state:
        raise RuntimeError("the app did not start")
    try:
        yield f"http://127.0.0.1:{state['port']}"
    finally:
        state["server"].should_exit = True
        thread.join(30)
