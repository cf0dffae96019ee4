"""/healthz says whether the database takes writes, and recovers without a restart."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from bot.app import build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address, Inbound
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


async def test_a_full_database_makes_healthz_503_until_there_is_room_again(
    sqlite_url: str, clock: FakeClock
) -> None:
    bot = await build(Settings(database_url=sqlite_url), clock=clock)
    app = create_app(bot, run_background=False)
    transport = httpx.ASGITransport(app=app)

    def customer(n: int) -> Inbound:
        return Inbound(Address("console", f"customer-{n}"), "LINK", f"e{n}", clock.now())

    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            assert (await http.get("/healthz")).status_code == 200
            raw = bot.store.db._conn  # type: ignore[attr-defined]
            pages = raw.execute("PRAGMA page_count").fetchone()[0]
            raw.execute(f"PRAGMA max_page_count = {pages}")  # as a full disk: no room to grow
            # Customers keep writing until what room was left is gone.
            with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
                for n in range(10_000):
                    await bot.inbox.message(customer(n))
            answer = await http.get("/healthz")
            assert answer.status_code == 503
            assert answer.json()["status"] == "degraded"
            assert "database or disk is full" in answer.json()["database"]
            raw.execute("PRAGMA max_page_count = 4294967294")  # room again (as space is freed)
            assert (await http.get("/healthz")).status_code == 200
            handled = await bot.inbox.message(customer(10_001))  # without a restart
            assert handled.duplicate is False
    finally:
        await bot.close()
