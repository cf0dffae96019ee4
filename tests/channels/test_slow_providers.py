"""A provider slow to answer gets every message once; one too slow to answer at all gets it at
most twice (issue #13): Twilio, Telegram and Slack. Real SDKs against the loopback fakes; the
provider's delays and our timeouts shrink together (PROVIDER_TIMEOUT_SCALE), so "25 s" takes
half a second here while production keeps the real values of bot/channels/send_timeouts.py."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from prometheus_client import generate_latest

from bot.channels.send_timeouts import SendTimeouts
from bot.channels.telegram import Telegram
from bot.core.clock import FakeClock
from bot.core.messages import Address, Outbound
from bot.core.program import Delivery
from tests.channels.fake_slack import TEAM, SlackHarness, running_fake
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_twilio import twilio_world

SCALE = 0.02  # 1 s of provider time = 20 ms here; the 30 s timeouts become 0.6 s
CUSTOMERS = 3
UNCERTAIN_WAIT = timedelta(minutes=Delivery().uncertain_wait_minutes)


def test_production_timeouts_outlast_a_25_second_provider() -> None:
    timeouts = SendTimeouts()
    assert timeouts.read > 25 and timeouts.total > 25  # PTB's own 5 s default gave 4 copies


@pytest.mark.parametrize("seconds", [6, 15, 25])
async def test_a_slow_twilio_delivers_every_message_once(
    sqlite_url: str, clock: FakeClock, seconds: float
) -> None:
    async with twilio_world(sqlite_url, clock, provider_timeout_scale=SCALE) as world:
        world.fake.delay = seconds * SCALE
        numbers = [f"+1415555{i:04d}" for i in range(CUSTOMERS)]
        now = clock.now()
        async with world.bot.store.transaction() as tx:
            for number in numbers:
                await tx.outbox.enqueue(
                    Outbound(Address("sms", number), "Your link: https://ref.example/r/AB12"),
                    kind="reply",
                    due_at=now,
                    at=now,
                )
        await world.bot.dispatcher.dispatch_due()
        sent = Counter(r.get("To") for r in world.fake.requests)
        assert sent == Counter({number: 1 for number in numbers})
        async with world.bot.store.transaction() as tx:
            assert {row.status for row in await tx.outbox.recent()} == {"sent"}


async def test_a_twilio_too_slow_to_answer_is_retried_once_after_a_long_wait(
    sqlite_url: str, clock: FakeClock
) -> None:
    async with twilio_world(sqlite_url, clock, provider_timeout_scale=SCALE) as world:
        world.fake.delay = 40 * SCALE  # past the 30 s timeout: did Twilio take it? unknown
        now = clock.now()
        async with world.bot.store.transaction() as tx:
            row_id = await tx.outbox.enqueue(
                Outbound(Address("sms", "+14155550100"), "Thanks for joining!"),
                kind="reply",
                due_at=now,
                at=now,
            )
        assert row_id is not None
        await world.bot.dispatcher.dispatch_due()
        clock.advance(UNCERTAIN_WAIT - timedelta(seconds=1))
        await world.bot.dispatcher.dispatch_due()
        assert len(world.fake.posts()) == 1  # not blindly again
        clock.advance(timedelta(seconds=2))
        await world.bot.dispatcher.dispatch_due()  # still too slow: dead, never a third copy
        clock.advance(UNCERTAIN_WAIT * 10)
        await world.bot.dispatcher.dispatch_due()
        assert len(world.fake.posts()) == 2  # Twilio's list showed neither: sent again once
        assert world.fake.messages == []
        async with world.bot.store.transaction() as tx:
            row = await tx.outbox.get(row_id)
            history = await tx.outbox.history(row_id)
        assert row is not None and row.status == "dead"
        assert "outcome unknown 2 times, not sent again" in (row.last_error or "")
        assert [event for _, event, _ in history] == ["uncertain", "uncertain", "dead"]
        metrics = generate_latest(world.bot.metrics.registry).decode()
        assert 'referral_outbound_uncertain_total{channel="sms"} 2.0' in metrics


@pytest.mark.parametrize("seconds", [6, 15, 25])
async def test_a_slow_telegram_delivers_every_message_once(seconds: float) -> None:
    fake = FakeTelegram()
    await fake.start()
    fake.delay = seconds * SCALE
    channel = Telegram(
        token=fake.token,
        public_base_url="https://ref.example",
        api_base_url=fake.base_url,
        timeouts=SendTimeouts().scaled(SCALE),
    )
    try:
        try:
            for chat in range(CUSTOMERS):
                await channel.send(Outbound(Address("telegram", str(100 + chat)), "hi"))
        finally:
            await channel.stop()
        sent = Counter(call.params["chat_id"] for call in fake.called("sendMessage"))
        assert sent == Counter({str(100 + chat): 1 for chat in range(CUSTOMERS)})
    finally:
        await fake.close()


async def test_a_telegram_read_timeout_is_uncertain_not_transient() -> None:
    from bot.core.channel import DeliveryFailed

    fake = FakeTelegram()
    await fake.start()
    channel = Telegram(
        token=fake.token,
        public_base_url="https://ref.example",
        api_base_url=fake.base_url,
        timeouts=SendTimeouts().scaled(SCALE),
    )
    try:
        await channel.send(Outbound(Address("telegram", "7"), "warm up"))  # getMe, quickly
        fake.delay = 40 * SCALE
        with pytest.raises(DeliveryFailed) as raised:
            await channel.send(Outbound(Address("telegram", "7"), "hello"))
    finally:
        await channel.stop()
        await fake.close()
    # The detail names the cause: aiohttp's read timeout since the channel sends through
    # aiohttp (bot/channels/telegram_http.py); it was httpx's ReadTimeout before.
    assert raised.value.reason == "uncertain" and "SocketTimeoutError" in raised.value.detail


@contextlib.asynccontextmanager
async def slack_world(database_url: str, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    async with running_fake() as fake:
        timeout = SendTimeouts().total * SCALE
        harness = await SlackHarness.open(database_url, clock, fake, send_timeout=timeout)
        try:
            yield harness
        finally:
            await harness.close()


async def enqueue(world: SlackHarness, user: str, text: str) -> int:
    now = world.clock.now()
    async with world.bot.store.transaction() as tx:
        row_id = await tx.outbox.enqueue(
            Outbound(Address("slack", f"{TEAM}:{user}"), text), kind="reply", due_at=now, at=now
        )
    assert row_id is not None
    return row_id


@pytest.mark.parametrize("seconds", [6, 15, 25])
async def test_a_slow_slack_delivers_every_message_once(
    sqlite_url: str, clock: FakeClock, seconds: float
) -> None:
    async with slack_world(sqlite_url, clock) as world:
        world.fake.delay = seconds * SCALE
        users = [f"U{i:04d}" for i in range(CUSTOMERS)]
        for user in users:
            await enqueue(world, user, "Your link: https://ref.example/r/AB12")
        await world.bot.dispatcher.dispatch_due()
        sent = Counter(body["channel"] for body in world.fake.posted)
        assert sent == Counter({user: 1 for user in users})
        async with world.bot.store.transaction() as tx:
            assert {row.status for row in await tx.outbox.recent()} == {"sent"}


async def test_a_slack_too_slow_to_answer_sends_at_most_one_duplicate(
    sqlite_url: str, clock: FakeClock
) -> None:
    async with slack_world(sqlite_url, clock) as world:
        world.fake.delay = 40 * SCALE  # past the 30 s timeout: did Slack post it? unknown
        row_id = await enqueue(world, "U0ALICE", "Thanks for joining!")
        await world.bot.dispatcher.dispatch_due()
        clock.advance(UNCERTAIN_WAIT - timedelta(seconds=1))
        await world.bot.dispatcher.dispatch_due()
        assert len(world.fake.posted) == 1  # not blindly again
        world.fake.delay = 6 * SCALE  # the slow spell passed
        clock.advance(timedelta(seconds=2))
        await world.bot.dispatcher.dispatch_due()
        clock.advance(UNCERTAIN_WAIT * 10)
        await world.bot.dispatcher.dispatch_due()
        assert len(world.fake.posted) == 2  # the one duplicate allowed, never a third
        async with world.bot.store.transaction() as tx:
            row = await tx.outbox.get(row_id)
            history = await tx.outbox.history(row_id)
        assert row is not None and (row.status, row.uncertain) == ("sent", 1)
        assert [event for _, event, _ in history] == ["uncertain"]
        metrics = generate_latest(world.bot.metrics.registry).decode()
        assert 'referral_outbound_uncertain_total{channel="slack"} 1.0' in metrics


def test_a_bot_api_that_lets_few_connections_wait_gets_every_message_once() -> None:
    """A burst into a cold pool against an accept queue of 4 (uvloop, as `serve` runs): the
    handshakes that did not fit once came back in step and left requests unanswered for 30 s.
    Opened a few at a time (bot/channels/telegram_http.py), every message goes, once."""
    import asyncio

    uvloop = pytest.importorskip("uvloop")
    failures: list[str] = []

    async def burst() -> Counter[str]:
        fake = FakeTelegram(backlog=4)
        await fake.start()
        channel = Telegram(
            token=fake.token, public_base_url="https://ref.example", api_base_url=fake.base_url
        )

        async def one(chat: int) -> None:
            try:
                await channel.send(Outbound(Address("telegram", str(1000 + chat)), "hi"))
            except Exception as exc:  # the test lists whatever went wrong
                failures.append(repr(exc))

        try:
            await channel.send(Outbound(Address("telegram", "1"), "warm up"))  # getMe
            await asyncio.gather(*(one(chat) for chat in range(150)))
        finally:
            await channel.stop()
            await fake.close()
        return Counter(str(call.params["chat_id"]) for call in fake.called("sendMessage"))

    sent = uvloop.run(burst())
    assert failures == []
    assert sent == Counter({"1": 1} | {str(1000 + chat): 1 for chat in range(150)})
