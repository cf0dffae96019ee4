"""A wrong or rotated provider token is the channel's problem, not the message's: against each
loopback provider refusing our credentials (Twilio 401/20003, Telegram 401 Unauthorized, Slack
invalid_auth and token_revoked), the channel pauses, its messages wait without losing an
attempt, the log says once at ERROR what to fix, /healthz says the channel is failing, and once
the provider accepts the credentials again every message goes, exactly once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.messages import Address, Outbound
from tests.channels.fake_slack import TEAM, TOKEN, FakeSlack, SlackHarness
from tests.channels.fake_telegram import FakeTelegram, wired
from tests.channels.fake_twilio import AUTH_TOKEN, twilio_world

PAUSE = timedelta(seconds=30)  # the breaker's first pause (Delivery().breaker_pause_seconds)
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
