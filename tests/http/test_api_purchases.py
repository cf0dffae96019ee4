"""Purchases and refunds reported by the business: qualification, refunds in the hold, the ask."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import ReferralBot, build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address, Inbound, Profile
from bot.core.store import Store
from bot.web import create_app
from tests.fakes import CollectingChannel
from tests.flows.rewards_kit import program_file
from tests.http.conftest import TOKEN

AUTH = {"authorization": f"Bearer {TOKEN}"}
PROGRAM = """
[program]
qualifying_event = "purchase"
min_purchase = 25
hold_days = 14
max_proactive_per_week = 20

[[rewards]]
id = "cash"
side = "referrer"
unit = "money"
currency = "USD"
amounts = [{ amount = 20 }]
"""


@pytest.fixture
async def shop(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> AsyncIterator[tuple[ReferralBot, httpx.AsyncClient]]:
    program = program_file(tmp_path, PROGRAM)
    settings = Settings(
        database_url=store.db.url,
        public_base_url="https://ref.example",
        referral_api_token=TOKEN,
        referral_program=str(program),
    )
    # Telegram runs here (its friends are asked after a purchase); SMS and Slack are off.
    telegram = CollectingChannel("telegram")
    bot = await build(settings, channels=[channel, telegram], clock=clock, store=store)
    transport = httpx.ASGITransport(app=create_app(bot, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://ref.example") as client:
        yield bot, client


async def test_a_buyer_known_only_on_a_channel_that_is_off_is_not_asked(
    shop: tuple[ReferralBot, httpx.AsyncClient],
) -> None:
    bot, web = shop
    bought = await web.post(
        "/api/v1/events",
        json={"type": "purchase", "idempotency_key": "p2", "amount": "30",
              "friend": {"phone": "+14155550177", "name": "Dan"}},
        headers=AUTH,
    )  # fmt: skip
    assert bought.status_code == 200
    async with bot.store.transaction() as tx:
        asks = [r for r in await tx.outbox.recent(limit=10) if r.kind == "ask"]
    assert asks == []  # no Twilio account here: an ask by SMS would wait forever


async def alice(bot: ReferralBot) -> str:
    await bot.engine.handle(
        Inbound(Address("console", "alice"), "LINK", "e1", bot.clock.now(), Profile(name="alice"))
    )
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("console", "alice"))
    assert found is not None
    return found[0].code


def event(kind: str, key: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "idempotency_key": key, "friend": {"email": "bob@example.com"}, **extra}


async def ledger(bot: ReferralBot) -> list[str]:
    async with bot.store.transaction() as tx:
        rows = await tx.conn.fetchall("SELECT status FROM rewards ORDER BY id")
    return [r[0] for r in rows]


async def test_a_purchase_over_the_minimum_qualifies_the_friend(
    shop: tuple[ReferralBot, httpx.AsyncClient],
) -> None:
    bot, web = shop
    code = await alice(bot)
    signed = await web.post("/api/v1/events", json=event("signup", "s1", code=code), headers=AUTH)
    assert signed.json()["outcome"] == "counted"
    assert await ledger(bot) == []  # a signup alone earns nothing in a purchase program
    small = await web.post(
        "/api/v1/events", json=event("purchase", "p1", amount="10"), headers=AUTH
    )
    assert small.status_code == 200 and await ledger(bot) == []
    big = await web.post(
        "/api/v1/events", json=event("purchase", "p2", amount="40.00"), headers=AUTH
    )
    assert big.status_code == 200 and await ledger(bot) == ["pending"]
    again = await web.post(
        "/api/v1/events", json=event("purchase", "p3", amount="99"), headers=AUTH
    )
    assert again.status_code == 200 and await ledger(bot) == ["pending"]  # never paid twice


async def test_a_refund_inside_the_hold_voids_the_reward(
    shop: tuple[ReferralBot, httpx.AsyncClient],
) -> None:
    bot, web = shop
    code = await alice(bot)
    await web.post(
        "/api/v1/events", json=event("purchase", "p1", amount="50", code=code), headers=AUTH
    )
    assert await ledger(bot) == ["pending"]
    bot.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    refund = await web.post("/api/v1/events", json=event("refund", "r1"), headers=AUTH)
    assert refund.json()["outcome"] == "recorded"
    assert await ledger(bot) == ["voided"]
    unknown = await web.post(
        "/api/v1/events",
        json={**event("refund", "r2"), "friend": {"email": "x@example.com"}},
        headers=AUTH,
    )
    assert unknown.json()["outcome"] == "unknown_friend"


async def test_a_customer_who_buys_is_asked_to_refer_an_hour_later(
    shop: tuple[ReferralBot, httpx.AsyncClient], channel: CollectingChannel
) -> None:
    bot, web = shop
    bought = await web.post(
        "/api/v1/events",
        json={
            "type": "purchase",
            "idempotency_key": "p1",
            "amount": "30",
            "friend": {"telegram_id": "4242", "name": "Carol"},
        },
        headers=AUTH,
    )
    assert bought.status_code == 200
    async with bot.store.transaction() as tx:
        [ask] = [r for r in await tx.outbox.recent(limit=10) if r.kind == "ask"]
    assert ask.to == Address("telegram", "4242")
    assert ask.due_at == bot.clock.now() + timedelta(minutes=60)
    assert "/r/" in ask.text


async def test_the_same_email_on_both_sides_is_self_referral(
    shop: tuple[ReferralBot, httpx.AsyncClient],
) -> None:
    bot, web = shop
    code = await alice(bot)
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("console", "alice"))
        assert found is not None
        await tx.participants.attach(
            Address("email", "alice@example.com"), found[0].id, at=bot.clock.now()
        )
    response = await web.post(
        "/api/v1/events",
        json={
            "type": "signup",
            "idempotency_key": "s1",
            "code": code,
            "friend": {"email": "Alice@Example.com"},
        },
        headers=AUTH,
    )
    assert response.json()["outcome"] == "rejected:self_referral"
