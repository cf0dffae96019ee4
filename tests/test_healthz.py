"""/healthz says whether the database takes writes, and recovers without a restart."""

from __future__ import annotations

import httpx

from bot.app import build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.web import create_app


async def test_a_database_that_refuses_writes_makes_healthz_503_until_it_takes_them(
    sqlite_url: str, clock: FakeClock
) -> None:
    bot = await build(Settings(database_url=sqlite_url), clock=clock)
    app = create_app(bot, run_background=False)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            assert (await http.get("/healthz")).status_code == 200
            raw = bot.store.db._conn  # type: ignore[attr-defined]
            raw.execute("PRAGMA query_only = ON")  # as a read-only file (or mount) does
            answer = await http.get("/healthz")
            assert answer.status_code == 503
            assert "readonly" in answer.json()["database"]
            raw.execute("PRAGMA query_only = OFF")
            assert (await http.get("/healthz")).status_code == 200
    finally:
        await bot.close()
