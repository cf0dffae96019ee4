"""uvicorn as `serve` runs it, over a real loopback socket: the client address comes from
X-Forwarded-For only when a trusted proxy sends it, and the access log never shows a query."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.store import Store
from bot.web import create_app
from tests.http.dashboard_kit import dashboard_bot, sign_in
from tests.http.test_links import alice_code
from tests.live_server import bind, serving

PROXY = "127.0.0.1"  # the trusted proxy (FORWARDED_ALLOW_IPS)
STRANGER = "127.0.0.2"  # another loopback address: a client connecting directly


@pytest.fixture
async def served(
    store: Store, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[tuple[ReferralBot, str]]:
    sock, base = bind()
    bot = await dashboard_bot(store, tmp_path, base, clock=clock, forwarded_allow_ips=PROXY)
    async with serving(create_app(bot, run_background=False), sock, settings=bot.settings):
        yield bot, base


def client_from(address: str, base: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(transport=transport, base_url=base)


async def networks(bot: ReferralBot) -> list[str]:
    async with bot.store.transaction() as tx:
        rows = await tx.conn.fetchall("SELECT network FROM clicks ORDER BY created_at, network")
    return [r[0] for r in rows]


async def test_a_click_through_the_proxy_records_the_visitors_address_and_a_forged_one_is_not(
    served: tuple[ReferralBot, str], clock: FakeClock
) -> None:
    bot, base = served
    code = await alice_code(bot, clock)
    async with client_from(PROXY, base) as proxy, client_from(STRANGER, base) as stranger:
        through_proxy = await proxy.get(f"/r/{code}", headers={"X-Forwarded-For": "203.0.113.7"})
        forged = await stranger.get(f"/r/{code}", headers={"X-Forwarded-For": "198.51.100.9"})
    assert (through_proxy.status_code, forged.status_code) == (302, 302)
    assert sorted(await networks(bot)) == ["127.0.0.2", "203.0.113.7"]


async def test_the_link_limit_counts_the_resolved_address(
    served: tuple[ReferralBot, str], clock: FakeClock
) -> None:
    bot, base = served
    code = await alice_code(bot, clock)
    async with client_from(PROXY, base) as proxy, client_from(STRANGER, base) as stranger:
        one = [
            (await proxy.get(f"/r/{code}", headers={"X-Forwarded-For": "203.0.113.7"})).status_code
            for _ in range(31)
        ]
        other = await proxy.get(f"/r/{code}", headers={"X-Forwarded-For": "203.0.113.8"})
        # A stranger making up a new address each time is still one address.
        spoofed = [
            (await stranger.get(f"/r/{code}", headers={"X-Forwarded-For": f"10.0.0.{n}"}))
            for n in range(31)
        ]
    assert one[:30] == [302] * 30 and one[30] == 429
    assert other.status_code == 302  # another visitor behind the same proxy
    assert [r.status_code for r in spoofed[:30]] == [302] * 30 and spoofed[30].status_code == 429


async def test_the_web_chat_flood_limit_counts_the_resolved_address(
    served: tuple[ReferralBot, str],
) -> None:
    _, base = served

    async def messages_from(client: httpx.AsyncClient, xff: str, visitors: int) -> list[int]:
        # Fresh visitor cookies cost nothing, so each gets a few messages, all from one address.
        statuses = []
        for n in range(visitors):
            client.cookies.clear()
            await client.get("/chat", headers={"X-Forwarded-For": xff})
            for m in range(10):
                answer = await client.post(
                    "/chat/messages",
                    json={"text": "HELP", "id": f"{xff}-{n}-{m}"},
                    headers={"X-Forwarded-For": xff},
                )
                statuses.append(answer.status_code)
        return statuses

    async with client_from(PROXY, base) as proxy, client_from(STRANGER, base) as stranger:
        flood = await messages_from(proxy, "203.0.113.7", visitors=6)
        neighbour = await messages_from(proxy, "203.0.113.8", visitors=1)
        spoofed = [
            *await messages_from(stranger, "10.0.0.1", visitors=3),
            *await messages_from(stranger, "10.0.0.2", visitors=3),
        ]
    assert flood[:50] == [202] * 50 and set(flood[50:]) == {429}
    assert neighbour == [202] * 10
    assert spoofed[:50] == [202] * 50 and set(spoofed[50:]) == {429}


async def test_sign_in_attempts_are_limited_per_resolved_address(
    served: tuple[ReferralBot, str],
) -> None:
    _, base = served

    async def guesses(client: httpx.AsyncClient, addresses: list[str]) -> list[int]:
        statuses = []
        for address in addresses:  # wrong passwords for one e-mail: five a network at once
            client.headers["X-Forwarded-For"] = address
            statuses.append((await sign_in(client, "owner@shop.example", "wrong")).status_code)
        return statuses

    async with client_from(PROXY, base) as proxy, client_from(STRANGER, base) as stranger:
        assert await guesses(proxy, ["203.0.113.7"] * 6) == [401] * 5 + [429]
        assert await guesses(proxy, ["203.0.113.8"]) == [401]  # someone else behind the proxy
        spoofed = await guesses(stranger, [f"10.0.0.{n}" for n in range(6)])
    assert spoofed == [401] * 5 + [429]


async def test_the_access_log_shows_no_query_string(
    served: tuple[ReferralBot, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, base = served
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        async with client_from(PROXY, base) as client:
            answer = await client.get("/healthz?token=secret&code=K7Q2M9XA")
    assert answer.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(lines) == 1 and lines[0].endswith(' - "GET /healthz HTTP/1.1" 200'), lines
    assert "secret" not in caplog.text and "K7Q2M9XA" not in caplog.text
