"""/healthz says whether the database takes writes, and recovers without a restart."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import ReferralBot, build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address, Inbound
from bot.web import create_app


@pytest.fixture
async def served(
    sqlite_url: str, clock: FakeClock
) -> AsyncIterator[tuple[ReferralBot, httpx.AsyncClient]]:
    bot = await build(Settings(database_url=sqlite_url), clock=clock)
    transport = httpx.ASGITransport(app=create_app(bot, run_background=False))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            yield bot, http
    finally:
        await bot.close()


def sqlite_connection(bot: ReferralBot) -> sqlite3.Connection:
    raw: sqlite3.Connection = bot.store.db._conn  # type: ignore[attr-defined]
    return raw


async def test_a_database_that_refuses_writes_makes_healthz_503_until_it_takes_them(
    served: tuple[ReferralBot, httpx.AsyncClient],
) -> None:
    bot, http = served
    assert (await http.get("/healthz")).status_code == 200
    raw = sqlite_connection(bot)
    raw.execute("PRAGMA query_only = ON")  # as a read-only file (or mount) does
    answer = await http.get("/healthz")
    assert answer.status_code == 503
    assert "readonly" in answer.json()["database"]
    raw.execute("PRAGMA query_only = OFF")
    assert (await http.get("/healthz")).status_code == 200


async def test_a_full_database_makes_healthz_503_until_there_is_room_again(
    served: tuple[ReferralBot, httpx.AsyncClient], clock: FakeClock
) -> None:
    bot, http = served

    def customer(n: int) -> Inbound:
        return Inbound(Address("console", f"customer-{n}"), "LINK", f"e{n}", clock.now())

    assert (await http.get("/healthz")).status_code == 200
    raw = sqlite_connection(bot)
    pages = raw.execute("PRAGMA page_count").fetchone()[0]
    raw.execute(f"PRAGMA max_page_count = {pages}")  # as a full disk: no room to grow
    # Customers keep writing until what room was left is gone. (An update in place still
    # succeeds now, which is why the probe does not rely on one.)
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        for n in range(10_000):
            await bot.inbox.message(customer(n))
    answer = await http.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "degraded"
    assert "database or disk is full" in answer.json()["database"]
    raw.execute("PRAGMA max_page_count = 4294967294")  # room again, as when space is freed
    assert (await http.get("/healthz")).status_code == 200
    assert (await bot.inbox.message(customer(10_001))).duplicate is False  # no restart
