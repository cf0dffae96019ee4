"""After an outage the business's ops tooling sends dead messages again through `/api/v1`,
exactly as `referral-bot outbox retry` does: one by id, or every dead row, maybe of one channel."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import ReferralBot, build
from bot.core.channel import DeliveryFailed
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address, Outbound
from bot.core.store import Store
from bot.web import create_app
from tests.fakes import CollectingChannel
from tests.http.conftest import TOKEN

AUTH = {"authorization": f"Bearer {TOKEN}"}
OUTAGE = DeliveryFailed("not_found", permanent=True, detail="404 from the provider")


@pytest.fixture
def channels() -> dict[str, CollectingChannel]:
    return {name: CollectingChannel(name) for name in ("telegram", "slack")}


@pytest.fixture
async def outage(
    store: Store, clock: FakeClock, channels: dict[str, CollectingChannel]
) -> AsyncIterator[tuple[ReferralBot, httpx.AsyncClient]]:
    """Two telegram messages and one slack message, all dead after the providers refused them."""
    settings = Settings(
        database_url=store.db.url, public_base_url="https://ref.example", referral_api_token=TOKEN
    )
    bot = await build(settings, channels=list(channels.values()), clock=clock, store=store)
    async with store.transaction() as tx:
        for to in (Address("telegram", "41"), Address("telegram", "42"), Address("slack", "T:U")):
            await tx.outbox.enqueue(
                Outbound(to, f"thanks, {to.id}"), kind="thanks", due_at=clock.now(), at=clock.now()
            )
    channels["telegram"].failures.extend([OUTAGE, OUTAGE])
    channels["slack"].failures.append(OUTAGE)
    await bot.dispatcher.dispatch_due()
    transport = httpx.ASGITransport(app=create_app(bot, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://ref.example") as http:
        yield bot, http


async def dead(bot: ReferralBot) -> list[str]:
    async with bot.store.transaction() as tx:
        return sorted(str(r.to) for r in await tx.outbox.recent(status="dead"))


async def test_every_dead_message_of_one_channel_is_sent_again(
    outage: tuple[ReferralBot, httpx.AsyncClient], channels: dict[str, CollectingChannel]
) -> None:
    bot, http = outage
    assert await dead(bot) == ["slack:T:U", "telegram:41", "telegram:42"]
    answer = await http.post(
        "/api/v1/outbox/retry", json={"status": "dead", "channel": "telegram"}, headers=AUTH
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == 2
    await bot.dispatcher.dispatch_due()
    assert [m.text for m in channels["telegram"].sent] == ["thanks, 41", "thanks, 42"]
    assert await dead(bot) == ["slack:T:U"]
    async with bot.store.transaction() as tx:
        history = await tx.outbox.history(answer.json()["retried"][0])
    assert ("retried", "by an operator (dead)") in [(event, detail) for _, event, detail in history]


async def test_one_message_by_id_and_the_refusals_name_the_field(
    outage: tuple[ReferralBot, httpx.AsyncClient], channels: dict[str, CollectingChannel]
) -> None:
    bot, http = outage
    async with bot.store.transaction() as tx:
        rows = await tx.outbox.recent(status="dead")
    slack_row = next(r for r in rows if r.to.channel == "slack")
    answer = await http.post("/api/v1/outbox/retry", json={"id": slack_row.id}, headers=AUTH)
    assert answer.json() == {"retried": [slack_row.id], "count": 1}
    await bot.dispatcher.dispatch_due()
    assert [m.text for m in channels["slack"].sent] == ["thanks, T:U"]

    again = await http.post("/api/v1/outbox/retry", json={"id": slack_row.id}, headers=AUTH)
    assert again.status_code == 409
    why = f"outbox row {slack_row.id} is sent: only dead or skipped rows can be retried"
    assert again.json()["fields"] == [{"field": "id", "message": why}]
    missing = await http.post("/api/v1/outbox/retry", json={"id": 999}, headers=AUTH)
    assert missing.status_code == 404
    assert "outbox row 999 does not exist" in missing.json()["error"]
    both = await http.post(
        "/api/v1/outbox/retry", json={"id": slack_row.id, "channel": "slack"}, headers=AUTH
    )
    assert both.status_code == 422
    assert both.json()["fields"] == [
        {"field": "id", "message": "give an id, or a status and maybe a channel, not both"}
    ]
    wrong = await http.post("/api/v1/outbox/retry", json={"status": "sent"}, headers=AUTH)
    assert wrong.status_code == 422
    assert [f["field"] for f in wrong.json()["fields"]] == ["status"]
    assert await dead(bot) == ["telegram:41", "telegram:42"]


async def test_the_retry_needs_the_token(outage: tuple[ReferralBot, httpx.AsyncClient]) -> None:
    bot, http = outage
    refused = await http.post("/api/v1/outbox/retry", json={"status": "dead"})
    assert refused.status_code == 401
    assert refused.json() == {"error": "bearer token required", "fields": []}
    assert await dead(bot) == ["slack:T:U", "telegram:41", "telegram:42"]


async def test_an_empty_body_retries_every_dead_message(
    outage: tuple[ReferralBot, httpx.AsyncClient],
) -> None:
    bot, http = outage
    answer = await http.post("/api/v1/outbox/retry", headers=AUTH)
    assert answer.json()["count"] == 3
    assert await dead(bot) == []
