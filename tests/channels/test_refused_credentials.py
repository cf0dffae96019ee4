"""A wrong or rotated provider token is the channel's problem, not the message's: against each
loopback provider refusing our credentials (Twilio 401/20003, Telegram 401 Unauthorized, Slack
invalid_auth and token_revoked), the channel pauses, its messages wait without losing an
attempt, the log says once at ERROR what to fix, /healthz says the channel is failing, and once
the provider accepts the credentials again every message goes, exactly once. While refused, the
credentials are asked again once a minute (bot/services/credential_watch.py), so a token
restored resumes the channel and /healthz without a message to try."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.messages import Address, Outbound
from tests.channels.fake_slack import TEAM, TOKEN, FakeSlack, SlackHarness
from tests.channels.fake_telegram import FakeTelegram, wired
from tests.channels.fake_twilio import AUTH_TOKEN, TwilioWorld, twilio_world

PAUSE = timedelta(seconds=30)  # the breaker's first pause (Delivery().breaker_pause_seconds)
MINUTE = timedelta(minutes=1)  # how often a refused channel's credentials are asked again
PEOPLE = ("+14155550100", "+14155550101", "+14155550102")
SMS_REFUSED = "auth: 401/20003; check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"


async def queue(bot: ReferralBot, *addresses: Address) -> list[int]:
    """A thank-you to each (a reply's kind: no quiet hours in the way)."""
    now = bot.clock.now()
    ids = []
    async with bot.store.transaction() as tx:
        for to in addresses:
            message = Outbound(to, f"Thanks, {to.id}: Bo just joined!")
            row_id = await tx.outbox.enqueue(message, kind="reply", due_at=now, at=now)
            assert row_id is not None
            ids.append(row_id)
    return ids


async def waiting(bot: ReferralBot, ids: list[int]) -> set[tuple[str, int]]:
    """(status, attempts) of the rows."""
    async with bot.store.transaction() as tx:
        rows = [await tx.outbox.get(row_id) for row_id in ids]
    return {(row.status, row.attempts) for row in rows if row is not None}


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def infos(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]


async def test_a_wrong_twilio_token_pauses_sms_says_so_once_and_each_text_goes_once_it_works(
    sqlite_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with twilio_world(sqlite_url, clock) as world:
        bot, fake = world.bot, world.fake
        fake.auth_token = "0" * 32  # rotated in the Twilio Console: ours is refused
        ids = await queue(bot, *(Address("sms", number) for number in PEOPLE))
        await bot.dispatcher.dispatch_due()
        assert len(fake.posts()) == 1 and fake.messages == []  # one try, not one per text
        assert await waiting(bot, ids) == {("scheduled", 0)}
        assert errors(caplog) == [
            f"sms: the provider refused our credentials ({SMS_REFUSED}); nothing is sent on sms "
            "until they work: its messages wait, and it is tried again from "
            "2026-11-23 15:00:30 UTC"
        ]
        health = await world.driver.http.get("/healthz")
        assert (health.status_code, health.json()) == (
            200,
            {
                "status": "degraded",
                "database": "ok",
                "channels": {"sms": f"failing: credentials refused ({SMS_REFUSED})"},
            },
        )

        clock.advance(PAUSE)
        await bot.dispatcher.dispatch_due()  # the probe: refused again, and not said again
        assert len(fake.posts()) == 2 and fake.messages == []
        assert len(errors(caplog)) == 1

        fake.auth_token = AUTH_TOKEN  # the credentials work again
        clock.advance(2 * PAUSE)
        await bot.dispatcher.dispatch_due()
        assert [fake.sent_to(number) for number in PEOPLE] == [
            [f"Thanks, {number}: Bo just joined!"] for number in PEOPLE
        ]
        assert await waiting(bot, ids) == {("sent", 1)}
        health = await world.driver.http.get("/healthz")
        assert health.json() == {"status": "ok", "database": "ok", "channels": {"sms": "on"}}
        assert "sms: the provider accepts our credentials again; sending resumes" in [
            r.getMessage() for r in caplog.records
        ]
        refused = bot.metrics.registry.get_sample_value(
            "referral_outbound_total", {"channel": "sms", "outcome": "refused"}
        )
        assert refused == 2


async def test_a_revoked_telegram_token_pauses_telegram_until_it_works_again(
    telegram_api: FakeTelegram, sqlite_url: str, clock: FakeClock
) -> None:
    async with wired(telegram_api, sqlite_url, clock) as world:
        bot, token = world.bot, telegram_api.token
        await queue(bot, Address("telegram", "776"))
        await bot.dispatcher.dispatch_due()  # the bot is known (getMe) and sending
        telegram_api.token = "123456:REVOKED-by-BotFather"  # ours is refused: 401 Unauthorized
        ids = await queue(bot, *(Address("telegram", str(chat)) for chat in (777, 778)))
        await bot.dispatcher.dispatch_due()
        assert len(telegram_api.called("sendMessage")) == 2 and len(telegram_api.sent()) == 1
        assert await waiting(bot, ids) == {("scheduled", 0)}
        assert bot.dispatcher.refusals() == {
            "telegram": "auth: Unauthorized; check TELEGRAM_BOT_TOKEN"
        }
        telegram_api.token = token
        clock.advance(PAUSE)
        await bot.dispatcher.dispatch_due()
        assert [telegram_api.texts(chat) for chat in (777, 778)] == [
            ["Thanks, 777: Bo just joined!"],
            ["Thanks, 778: Bo just joined!"],
        ]
        assert await waiting(bot, ids) == {("sent", 1)}


async def test_a_refused_slack_token_pauses_slack_until_it_works_again(
    slack: SlackHarness, slack_api: FakeSlack, clock: FakeClock
) -> None:
    bot = slack.bot
    slack_api.token = "xoxb-rotated"  # ours answers invalid_auth
    ids = await queue(bot, *(Address("slack", f"{TEAM}:U0{name}") for name in ("ANA", "BO")))
    await bot.dispatcher.dispatch_due()
    assert len(slack_api.called("chat.postMessage")) == 1
    assert await waiting(bot, ids) == {("scheduled", 0)}
    health = await slack.http.get("/healthz")
    refused = "auth: HTTP 200: invalid_auth; check SLACK_BOT_TOKEN"
    assert health.json()["channels"] == {"slack": f"failing: credentials refused ({refused})"}
    slack_api.token = TOKEN
    slack_api.refuse("chat.postMessage", "token_revoked")  # the first probe: still refused
    clock.advance(PAUSE)
    await bot.dispatcher.dispatch_due()
    assert len(slack_api.called("chat.postMessage")) == 2
    assert await waiting(bot, ids) == {("scheduled", 0)}
    clock.advance(2 * PAUSE)  # the pause doubled
    await bot.dispatcher.dispatch_due()
    delivered = [body["text"] for body in slack_api.posted[2:]]
    assert sorted(delivered) == [f"Thanks, {TEAM}:U0ANA: Bo just joined!",
                                 f"Thanks, {TEAM}:U0BO: Bo just joined!"]  # fmt: skip
    assert await waiting(bot, ids) == {("sent", 1)}
    assert (await slack.http.get("/healthz")).json()["status"] == "ok"


@pytest.fixture
async def sms(
    sqlite_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[TwilioWorld]:
    caplog.set_level(logging.INFO)
    async with twilio_world(sqlite_url, clock) as world:
        yield world


async def refused_with_a_text_waiting(world: TwilioWorld) -> list[int]:
    """Twilio refuses our token at the first send; the watch sees it and asks nothing yet."""
    world.fake.auth_token = "0" * 32
    ids = await queue(world.bot, Address("sms", PEOPLE[0]))
    await world.bot.dispatcher.dispatch_due()
    assert await world.bot.credentials.recheck() == []  # just refused: not asked yet
    assert [r for r in world.fake.requests if r.method == "GET"] == []
    return ids


async def test_twilio_accepting_the_credentials_again_resumes_sms_without_a_message_to_try(
    sms: TwilioWorld, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake = sms.bot, sms.fake
    ids = await refused_with_a_text_waiting(sms)
    fake.auth_token = AUTH_TOKEN  # the token is restored in the Twilio Console
    clock.advance(MINUTE - timedelta(seconds=1))
    assert await bot.credentials.recheck() == []  # not within the minute
    assert [r.path for r in fake.requests if r.method == "GET"] == []
    clock.advance(timedelta(seconds=1))

    assert await bot.credentials.recheck() == ["sms"]

    [asked] = [r.path for r in fake.requests if r.method == "GET"]
    assert asked == f"/2010-04-01/Accounts/{fake.account_sid}.json"  # a read, nothing sent
    assert fake.messages == [] and len(fake.posts()) == 1
    health = await sms.driver.http.get("/healthz")
    assert health.json() == {"status": "ok", "database": "ok", "channels": {"sms": "on"}}
    resumed = [m for m in infos(caplog) if "again; sending resumes" in m]
    assert resumed == ["sms: credentials accepted again; sending resumes"]  # said once
    await bot.dispatcher.dispatch_due()  # the thank-you that waited goes now
    assert fake.sent_to(PEOPLE[0]) == [f"Thanks, {PEOPLE[0]}: Bo just joined!"]
    assert await waiting(bot, ids) == {("sent", 1)}
    assert [m for m in infos(caplog) if "again; sending resumes" in m] == resumed
    assert await bot.credentials.recheck() == []  # nothing refused: nothing asked
    assert len([r for r in fake.requests if r.method == "GET"]) == 1


async def test_credentials_still_refused_are_asked_again_once_a_minute_and_keep_the_pause(
    sms: TwilioWorld, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake = sms.bot, sms.fake
    await refused_with_a_text_waiting(sms)
    for _ in range(3):
        clock.advance(MINUTE)
        assert await bot.credentials.recheck() == []
        assert await bot.credentials.recheck() == []  # twice in the same minute: asked once
    assert len([r for r in fake.requests if r.method == "GET"]) == 3
    assert bot.dispatcher.refusals() == {"sms": SMS_REFUSED}
    health = await sms.driver.http.get("/healthz")
    assert health.json()["channels"] == {"sms": f"failing: credentials refused ({SMS_REFUSED})"}
    assert len(errors(caplog)) == 1  # the refusal, said once
    assert not [m for m in infos(caplog) if "accepted again" in m]


async def test_telegram_accepting_the_token_again_resumes_telegram_without_a_message_to_try(
    telegram_api: FakeTelegram, sqlite_url: str, clock: FakeClock
) -> None:
    async with wired(telegram_api, sqlite_url, clock) as world:
        bot, token = world.bot, telegram_api.token
        telegram_api.token = "123456:REVOKED-by-BotFather"
        ids = await queue(bot, Address("telegram", "777"))
        await bot.dispatcher.dispatch_due()
        assert bot.dispatcher.refusals() != {}
        await bot.credentials.recheck()
        telegram_api.token = token  # restored
        clock.advance(MINUTE)
        asked = len(telegram_api.called("getMe"))

        assert await bot.credentials.recheck() == ["telegram"]

        assert len(telegram_api.called("getMe")) == asked + 1  # a read, nothing sent
        assert telegram_api.texts(777) == []

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=world.app), base_url="https://ref.example"
        ) as http:
            health = await http.get("/healthz")
        assert health.json()["channels"] == {"telegram": "on", "console": "on"}
        assert health.json()["status"] == "ok"
        await bot.dispatcher.dispatch_due()
        assert telegram_api.texts(777) == ["Thanks, 777: Bo just joined!"]
        assert await waiting(bot, ids) == {("sent", 1)}


async def test_slack_accepting_the_token_again_resumes_slack_without_a_message_to_try(
    slack: SlackHarness, slack_api: FakeSlack, clock: FakeClock
) -> None:
    bot = slack.bot
    slack_api.token = "xoxb-rotated"
    ids = await queue(bot, Address("slack", f"{TEAM}:U0ANA"))
    await bot.dispatcher.dispatch_due()
    await bot.credentials.recheck()
    slack_api.token = TOKEN  # restored
    clock.advance(MINUTE)

    assert await bot.credentials.recheck() == ["slack"]

    assert (await slack.http.get("/healthz")).json()["status"] == "ok"
    await bot.dispatcher.dispatch_due()
    assert [body["text"] for body in slack_api.posted[1:]] == [
        f"Thanks, {TEAM}:U0ANA: Bo just joined!"
    ]
    assert await waiting(bot, ids) == {("sent", 1)}
