"""Signed webhooks to the business's CRM: queued with their cause, verified by the receiver with
the `standardwebhooks` library, retried while it is down, stopped when it says 410 Gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.app import ReferralBot, build
from bot.channels.webhook import Webhooks, from_settings
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address
from bot.core.store import open_store
from bot.core.store.webhook_endpoints import KEPT
from bot.core.store.webhook_events import WebhookEvents, WebhookTargets
from tests.channels.fake_receiver import SECRET, FakeReceiver
from tests.fakes import CollectingChannel, Conversation


@pytest.fixture
async def crm() -> AsyncIterator[FakeReceiver]:
    receiver = FakeReceiver()
    await receiver.start()
    yield receiver
    await receiver.close()


@pytest.fixture
async def zapier() -> AsyncIterator[FakeReceiver]:
    receiver = FakeReceiver()
    await receiver.start("/zap")
    yield receiver
    await receiver.close()


@pytest.fixture
async def hooked(
    database_url: str, clock: FakeClock, crm: FakeReceiver, zapier: FakeReceiver
) -> AsyncIterator[tuple[ReferralBot, Conversation]]:
    targets = WebhookTargets((crm.url, zapier.url), base_url="https://ref.example")
    store = await open_store(database_url, webhooks=targets)
    channel = CollectingChannel("console")
    hooks = Webhooks(secret=SECRET)
    settings = Settings(database_url=database_url, public_base_url="https://ref.example")
    bot = await build(settings, channels=[channel, hooks], clock=clock, store=store)
    yield bot, Conversation(bot=bot, channel=channel, clock=clock)
    await hooks.stop()
    await store.close()


async def code_of(bot: ReferralBot, who: str) -> str:
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("console", who))
    assert found is not None
    return found[0].code


async def test_a_friend_joining_reaches_the_crm_signed_and_in_order(
    hooked: tuple[ReferralBot, Conversation], crm: FakeReceiver, zapier: FakeReceiver
) -> None:
    bot, chat = hooked
    await chat.say("alice", "LINK")
    await chat.say("bob", f"/start {await code_of(bot, 'alice')}")
    await bot.dispatcher.dispatch_due()
    kinds = [e["type"] for e in crm.events]
    assert kinds[:2] == ["referral.created", "referral.qualified"], kinds
    assert [e["type"] for e in zapier.events] == kinds  # each endpoint gets every event
    created = crm.events[0]
    assert created["data"]["status"] == "qualified" and created["data"]["channel"] == "console"
    assert created["id"].startswith("evt_")
    # Times as the REST API writes them: UTC, to the millisecond, with a Z.
    assert created["timestamp"] == "2026-11-23T15:00:00.000Z"
    assert created["data"]["created_at"] == created["data"]["qualified_at"] == created["timestamp"]
    delivery = crm.deliveries[0]
    assert delivery.headers["webhook-id"] == created["id"]
    assert delivery.headers["webhook-signature"].startswith("v1,")
    assert len({e["id"] for e in crm.events}) == len(crm.events)  # a unique id each


async def test_a_receiver_that_is_down_gets_the_event_when_it_recovers(
    hooked: tuple[ReferralBot, Conversation], crm: FakeReceiver, clock: FakeClock
) -> None:
    bot, chat = hooked
    await chat.say("alice", "LINK")
    crm.answers = [503, 500]  # down for two attempts
    await chat.say("bob", f"/start {await code_of(bot, 'alice')}")
    await bot.dispatcher.dispatch_due()
    assert crm.events == [] and sorted(d.status for d in crm.deliveries) == [500, 503]
    async with bot.store.transaction() as tx:
        waiting = [r for r in await tx.outbox.recent(limit=50) if r.kind == "webhook"]
    assert waiting and all(r.status == "scheduled" for r in waiting if crm.url == r.to.id)
    assert any("answered 503" in (r.last_error or "") for r in waiting)
    for _ in range(6):
        clock.advance(timedelta(hours=2))
        await bot.dispatcher.dispatch_due()
    # Retries may deliver out of order (as with any webhook sender): the payload dates each one.
    assert sorted(e["type"] for e in crm.events)[:2] == ["referral.created", "referral.qualified"]
    async with bot.store.transaction() as tx:
        rows = [r for r in await tx.outbox.recent(limit=50) if r.kind == "webhook"]
    assert {r.status for r in rows} == {"sent"}


async def _crm_attempts(
    bot: ReferralBot, crm: FakeReceiver, clock: FakeClock, *, before: int = 59, after: int = 61
) -> list[int]:
    """How many deliveries the CRM has seen `before` and `after` seconds past the first one."""
    seen = []
    for step in (before, after - before):
        clock.advance(timedelta(seconds=step))
        await bot.dispatcher.dispatch_due()
        seen.append(len(crm.deliveries))
    return seen


@pytest.mark.parametrize("status", [503, 429])
async def test_a_receiver_that_asks_for_a_minute_is_left_alone_for_a_minute(
    hooked: tuple[ReferralBot, Conversation], crm: FakeReceiver, clock: FakeClock, status: int
) -> None:
    bot, chat = hooked
    await chat.say("alice", "LINK")
    crm.answers, crm.retry_after = [status], "60"  # "Retry-After: 60", then up again
    await chat.say("bob", f"/start {await code_of(bot, 'alice')}")
    first = len(crm.deliveries)
    assert [d.status for d in crm.deliveries] == [status] + [200] * (first - 1)
    assert await _crm_attempts(bot, crm, clock) == [first, first + 1]
    assert len(crm.events) == first  # every event arrived, once


async def test_a_retry_after_given_as_a_date_is_honoured(
    hooked: tuple[ReferralBot, Conversation], crm: FakeReceiver, clock: FakeClock
) -> None:
    bot, chat = hooked
    await chat.say("alice", "LINK")
    in_two_minutes = datetime.now(UTC) + timedelta(seconds=120)  # the receiver's clock is real
    crm.answers, crm.retry_after = [429], format_datetime(in_two_minutes, usegmt=True)
    await chat.say("bob", f"/start {await code_of(bot, 'alice')}")
    first = len(crm.deliveries)
    assert await _crm_attempts(bot, crm, clock, before=100, after=125) == [first, first + 1]


async def gone_while_carol_joins(bot: ReferralBot, chat: Conversation, zapier: FakeReceiver) -> int:
    """Zapier answers 410 Gone to bob's join's events, and carol joins after: its attempts."""
    zapier.gone = True
    await chat.say("alice", "LINK")
    await chat.say("bob", f"/start {await code_of(bot, 'alice')}")
    await bot.dispatcher.dispatch_due()
    tried = len(zapier.deliveries)
    await chat.say("carol", f"/start {await code_of(bot, 'alice')}")  # while it is stopped
    await bot.dispatcher.dispatch_due()
    return tried


async def test_410_gone_stops_that_endpoint_and_only_that_one(
    hooked: tuple[ReferralBot, Conversation], crm: FakeReceiver, zapier: FakeReceiver
) -> None:
    bot, chat = hooked
    tried = await gone_while_carol_joins(bot, chat, zapier)
    # bob's join raised two events, claimed together: the first one's 410 keeps the second
    assert tried == 1 and [d.status for d in zapier.deliveries] == [410]
    assert sum(e["type"] == "referral.created" for e in crm.events) == 2
    async with bot.store.transaction() as tx:
        rows = [r for r in await tx.outbox.recent(limit=100) if r.to.id == zapier.url]
        assert await tx.webhook_endpoints.stopped() == {zapier.url}
        assert await tx.webhook_endpoints.missed(zapier.url) == len(rows) == len(crm.events)
    assert {r.status for r in rows} == {"skipped"}
    answered = [r for r in rows if "410 Gone: endpoint stopped" in (r.last_error or "")]
    kept = [r for r in rows if r.last_error == KEPT]  # bob's other one, and carol's
    assert len(answered) == 1 and len(kept) == len(rows) - 1 >= 3
    assert answered[0].id == min(r.id for r in rows)  # the first, the only one sent


async def test_sending_concurrently_nothing_goes_to_an_endpoint_past_its_410(
    hooked: tuple[ReferralBot, Conversation], crm: FakeReceiver, zapier: FakeReceiver
) -> None:
    bot, _ = hooked
    zapier.gone = True
    async with bot.store.transaction() as tx:  # three events, claimed together
        for n in range(3):
            await WebhookEvents(tx.conn, bot.store.webhooks).emit(
                "participant.opted_in", {"n": n}, at=bot.clock.now()
            )
    running = asyncio.create_task(bot.dispatcher.run(idle=0.05))  # sends concurrently

    async def settled() -> list[str | None]:
        while True:
            async with bot.store.transaction() as tx:
                rows = [r for r in await tx.outbox.recent(limit=10) if r.to.id == zapier.url]
            if len(crm.events) == 3 and all(r.status == "skipped" for r in rows):
                return [r.last_error for r in sorted(rows, key=lambda r: r.id)]
            await asyncio.sleep(0.01)

    try:
        reasons = await asyncio.wait_for(settled(), 10)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert [d.status for d in zapier.deliveries] == [410]  # the first only; the CRM got all 3
    assert "answered 410 Gone" in (reasons[0] or "") and reasons[1:] == [KEPT, KEPT]


async def test_an_endpoint_resumed_with_resend_gets_what_it_missed_in_order(
    hooked: tuple[ReferralBot, Conversation], crm: FakeReceiver, zapier: FakeReceiver
) -> None:
    bot, chat = hooked
    await gone_while_carol_joins(bot, chat, zapier)
    zapier.gone = False  # the receiver is back; the operator resumes it with --resend
    async with bot.store.transaction() as tx:
        assert await tx.webhook_endpoints.resume(zapier.url)
        due = await tx.outbox.retry_all(
            status="skipped", channel="webhook", address=zapier.url, now=bot.clock.now()
        )
    assert len(due) == len(crm.events)
    await bot.dispatcher.dispatch_due()
    assert [e["id"] for e in zapier.events] == [e["id"] for e in crm.events]  # all, in order
    assert len(zapier.deliveries) == 1 + len(crm.events)  # each once after the one 410
    await chat.say("dan", f"/start {await code_of(bot, 'alice')}")  # new events go as before
    await bot.dispatcher.dispatch_due()
    assert [e["id"] for e in zapier.events] == [e["id"] for e in crm.events]


async def test_a_receiver_that_stays_down_does_not_hold_back_the_other_one(
    hooked: tuple[ReferralBot, Conversation],
    crm: FakeReceiver,
    zapier: FakeReceiver,
    clock: FakeClock,
) -> None:
    bot, chat = hooked
    zapier.answers = [500] * 1000  # down all along
    await chat.say("alice", "LINK")
    code = await code_of(bot, "alice")
    await chat.say("bob", f"/start {code}")
    for _ in range(8):  # its retries fail again and again, with nothing else going meanwhile
        clock.advance(timedelta(hours=1))
        await bot.dispatcher.dispatch_due()
    assert len(zapier.deliveries) >= 8 and {d.status for d in zapier.deliveries} == {500}
    await chat.say("carol", f"/start {code}")
    await bot.dispatcher.dispatch_due()
    created = [e["data"] for e in crm.events if e["type"] == "referral.created"]
    assert len(created) == 2  # carol's reached the CRM at once, not after zapier's outage
    async with bot.store.transaction() as tx:
        rows = [r for r in await tx.outbox.recent(limit=100) if r.kind == "webhook"]
    assert {r.status for r in rows if r.to.id == crm.url} == {"sent"}
    assert {r.status for r in rows if r.to.id == zapier.url} == {"scheduled"}


async def test_stop_and_start_tell_the_crm(
    hooked: tuple[ReferralBot, Conversation], crm: FakeReceiver
) -> None:
    bot, chat = hooked
    await chat.say("alice", "LINK")
    await chat.say("alice", "STOP")
    await chat.say("alice", "START")
    await bot.dispatcher.dispatch_due()
    kinds = [e["type"] for e in crm.events]
    assert kinds == ["participant.opted_out", "participant.opted_in"]
    out = crm.events[0]["data"]
    assert out["opted_out"] == {"console": True} and out["code"] == await code_of(bot, "alice")
    assert out["link"] == f"https://ref.example/r/{out['code']}"


async def test_an_event_is_queued_only_if_its_cause_commits(
    hooked: tuple[ReferralBot, Conversation], crm: FakeReceiver
) -> None:
    bot, chat = hooked
    await chat.say("alice", "LINK")
    with pytest.raises(RuntimeError):
        async with bot.store.transaction() as tx:
            found = await tx.participants.by_address(Address("console", "alice"))
            assert found is not None
            await tx.participants.set_opted_out(found[1].address, True)
            raise RuntimeError("the cause fails after the write")
    await bot.dispatcher.dispatch_due()
    assert crm.deliveries == []


def test_production_timeouts_outlast_a_receiver_answering_in_25_seconds() -> None:
    hooks = Webhooks(secret=SECRET)
    assert hooks.timeout.read is not None and hooks.timeout.read > 25  # 10 s: a copy per retry


@pytest.mark.parametrize(("seconds", "again"), [(12, False), (25, False), (40, True)])
async def test_a_slow_receiver_gets_each_event_once_and_one_past_30_seconds_again(
    database_url: str, clock: FakeClock, crm: FakeReceiver, seconds: int, again: bool
) -> None:
    # The receiver's delay and our timeouts shrink together, as for the providers.
    scale = 0.02
    settings = Settings(
        database_url=database_url, public_base_url="https://ref.example",
        webhook_url=crm.url, webhook_secret=SECRET, provider_timeout_scale=scale,
    )  # fmt: skip
    hooks = from_settings(settings)
    assert hooks is not None
    targets = WebhookTargets((crm.url,), base_url="https://ref.example")
    store = await open_store(database_url, webhooks=targets)
    channel = CollectingChannel("console")
    bot = await build(settings, channels=[channel, hooks], clock=clock, store=store)
    chat = Conversation(bot=bot, channel=channel, clock=clock)
    try:
        crm.delay = seconds * scale
        await chat.say("alice", "LINK")
        await chat.say("bob", f"/start {await code_of(bot, 'alice')}")
        await bot.dispatcher.dispatch_due()
        for _ in range(3):
            clock.advance(timedelta(minutes=30))
            await bot.dispatcher.dispatch_due()
        ids = [d.headers["webhook-id"] for d in crm.deliveries]
        assert len(set(ids)) >= 2
        assert (len(set(ids)) < len(ids)) is again  # a copy only after a 30 s timeout
    finally:
        await hooks.stop()
        await store.close()
