"""Transcripts over Telegram: a person writes or taps, the telegram_api Bot API receives the answer.

Both ways in are driven end to end: webhook posts through the ASGI app, and long polling
against the telegram_api's getUpdates.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import Address, Inbound, Profile
from bot.core.qr import qr_png
from tests.channels.fake_telegram import (
    USERNAME,
    FakeTelegram,
    Wired,
    lifespan,
    user,
    wired,
)

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ALICE = Address("console", "alice")
MINA = Address("telegram", "777")


@pytest.fixture
async def tg(telegram_api: FakeTelegram, sqlite_url: str, clock: FakeClock) -> AsyncIterator[Wired]:
    async with wired(telegram_api, sqlite_url, clock) as made:
        await made.channel.start()
        yield made


@pytest.fixture
async def polling(
    telegram_api: FakeTelegram, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[Wired]:
    async with wired(telegram_api, sqlite_url, clock, secret=None) as made:
        yield made


async def say_on_console(tg: Wired, who: str, text: str) -> list[str]:
    before = len(tg.console.sent)
    inbound = Inbound(
        Address("console", who),
        text,
        f"c-{who}-{len(tg.console.sent)}-{text}",
        tg.bot.clock.now(),
        Profile(name=who.title()),
    )
    await tg.bot.engine.handle(inbound)
    await tg.bot.dispatcher.dispatch_due()
    return [m.text for m in tg.console.sent[before:]]


async def participant_code(tg: Wired, address: Address) -> str:
    async with tg.bot.store.transaction() as tx:
        found = await tx.participants.by_address(address)
    assert found is not None
    return found[0].code


async def counted(tg: Wired, address: Address) -> int:
    async with tg.bot.store.transaction() as tx:
        found = await tx.participants.by_address(address)
        assert found is not None
        return (await tx.referrals.counts(found[0].id)).counted


# -- webhook transcripts -------------------------------------------------------------------


async def test_a_friend_taps_the_deep_link_of_a_console_customer_and_is_counted_once(
    tg: Wired,
) -> None:
    await say_on_console(tg, "alice", "LINK")
    link = tg.channel.deep_link(await participant_code(tg, ALICE))
    assert link is not None and link.startswith(f"https://t.me/{USERNAME}?start=")
    # Telegram opens the chat; pressing Start sends "/start <payload>" as an ordinary message.
    (payload,) = parse_qs(urlsplit(link).query)["start"]
    press_start = tg.driver.message(
        f"/start {payload}", sender=user(888, "Jun", language_code="en")
    )
    assert (await tg.driver.post(press_start)).status_code == 200
    await tg.driver.redeliver(press_start)  # Telegram did not hear our 200 the first time
    await tg.bot.dispatcher.dispatch_due()

    (welcome,) = tg.fake.texts(888)
    assert welcome.startswith(tg.bot.catalogs.text("en", "join.welcome", referrer="Alice")[:20])
    assert tg.console.sent[-1].text == tg.bot.catalogs.text(
        "en", "thanks.signup", count=1, friend="Jun"
    )
    assert await counted(tg, ALICE) == 1
    assert await say_on_console(tg, "alice", "how many friends have I referred?") == [
        tg.bot.catalogs.text("en", "count.total", count=1)
    ]


async def test_start_with_our_bots_mention_joins_too(tg: Wired) -> None:
    await say_on_console(tg, "alice", "LINK")
    code = await participant_code(tg, ALICE)
    await tg.driver.post(tg.driver.message(f"/start@{USERNAME} {code}"))
    await tg.bot.dispatcher.dispatch_due()
    assert await counted(tg, ALICE) == 1


async def test_start_or_link_for_another_bot_is_not_ours_to_answer(tg: Wired) -> None:
    await say_on_console(tg, "alice", "LINK")
    code = await participant_code(tg, ALICE)
    for text in (f"/start@other_bot {code}", "/link@other_bot", f"/START@Other_Bot {code}"):
        assert (await tg.driver.post(tg.driver.message(text))).status_code == 200
    await tg.bot.dispatcher.dispatch_due()
    assert await counted(tg, ALICE) == 0  # Mina did not join through Alice
    assert tg.fake.sent(777) == []  # and heard nothing from us
    await tg.driver.post(tg.driver.message(f"/start@{USERNAME} {code}"))
    await tg.bot.dispatcher.dispatch_due()
    assert await counted(tg, ALICE) == 1  # our own bot's name, or none, is ours


async def test_start_alone_gets_help(tg: Wired) -> None:
    await tg.driver.post(tg.driver.message("/start"))
    await tg.bot.dispatcher.dispatch_due()
    (reply,) = tg.fake.sent(777)
    assert reply.params["text"] == tg.bot.catalogs.text("en", "help.text")


async def test_a_telegram_user_asks_for_the_link_and_gets_the_web_and_deep_links(
    tg: Wired,
) -> None:
    await tg.driver.post(tg.driver.message("LINK", sender=user(777, "Mina")))
    await tg.bot.dispatcher.dispatch_due()
    code = await participant_code(tg, MINA)
    (reply,) = tg.fake.sent(777)
    assert f"https://ref.example/r/{code}" in reply.params["text"]
    assert f"https://t.me/{USERNAME}?start={code}" in reply.params["text"]
    buttons = reply.params["reply_markup"]["inline_keyboard"]
    tapped = buttons[0][0]["callback_data"]
    await tg.driver.post(tg.driver.callback(tapped))
    await tg.bot.dispatcher.dispatch_due()
    assert len(tg.fake.sent(777)) == 2


async def test_a_korean_telegram_user_is_answered_in_korean(tg: Wired) -> None:
    await tg.driver.post(tg.driver.message("LINK", sender=user(555, "민지", language_code="ko-KR")))
    await tg.bot.dispatcher.dispatch_due()
    code = await participant_code(tg, Address("telegram", "555"))
    (reply,) = tg.fake.texts(555)
    assert reply == tg.bot.catalogs.text(
        "ko",
        "link.reply_telegram",
        link=f"https://ref.example/r/{code}",
        deep_link=f"https://t.me/{USERNAME}?start={code}",
        code=code,
    )


async def test_a_referrer_who_blocked_the_bot_is_thanked_once_then_left_alone(
    tg: Wired,
) -> None:
    await tg.driver.post(tg.driver.message("LINK"))
    await tg.bot.dispatcher.dispatch_due()
    code = await participant_code(tg, MINA)
    tg.fake.blocked.add("777")
    await say_on_console(tg, "bob", f"JOIN {code}")  # the thank-you meets a 403
    tries = len(tg.fake.called("sendMessage"))
    await say_on_console(tg, "carol", f"JOIN {code}")
    await tg.bot.dispatcher.dispatch_due()
    assert len(tg.fake.called("sendMessage")) == tries  # no more attempts at a blocked chat
    assert await counted(tg, MINA) == 2  # the referrals still count
    # She unblocks the bot and writes: that is proof enough, member update or not.
    tg.fake.blocked.discard("777")
    await tg.driver.post(tg.driver.message("COUNT"))
    await tg.bot.dispatcher.dispatch_due()
    assert tg.fake.texts(777)[-1].startswith(tg.bot.catalogs.text("en", "count.total", count=2))


async def test_start_after_stop_brings_a_telegram_user_back(tg: Wired) -> None:
    await tg.driver.post(tg.driver.message("LINK"))
    await tg.driver.post(tg.driver.message("/stop"))
    await tg.driver.post(tg.driver.message("/start"))  # the Start button, after STOP
    await tg.driver.post(tg.driver.message("/count"))
    await tg.bot.dispatcher.dispatch_due()
    assert tg.fake.texts(777)[1:] == [
        "You're unsubscribed and won't get more messages here. Text START to come back.",
        "Welcome back! You'll get messages here again. Text STOP any time to opt out.",
        f"You haven't referred anyone yet. Share your link: https://ref.example/r/"
        f"{await participant_code(tg, MINA)}",
    ]


async def test_the_app_lifespan_registers_the_webhook_and_shuts_the_bot_down(
    telegram_api: FakeTelegram, sqlite_url: str, clock: FakeClock
) -> None:
    async with wired(telegram_api, sqlite_url, clock) as made:
        async with lifespan(made.app):
            assert telegram_api.webhook["url"] == "https://ref.example/telegram/webhook"
            assert made.channel.username == USERNAME
            await made.driver.post(made.driver.message("LINK"))
            await made.bot.dispatcher.dispatch_due()
        assert len(telegram_api.texts(777)) == 1


# -- long polling ------------------------------------------------------------------------------


async def handled(telegram_api: FakeTelegram, update_id: int) -> None:
    """Until the loop asks for the updates after this one: it has handled it."""
    await telegram_api.wait_for(
        lambda: any(
            c.method == "getUpdates" and int(c.params.get("offset") or 0) > update_id
            for c in telegram_api.calls
        )
    )


async def test_long_polling_handles_a_queued_update_once_and_the_reply_is_sent(
    polling: Wired, telegram_api: FakeTelegram
) -> None:
    telegram_api.webhook = {
        "url": "https://old.example/hook"
    }  # left over from a webhook deployment
    await polling.channel.start()
    update = telegram_api.queue_update(polling.driver.message("LINK"))
    await handled(telegram_api, update["update_id"])
    await polling.bot.dispatcher.dispatch_due()
    code = await participant_code(polling, MINA)
    (reply,) = telegram_api.texts(777)
    assert f"https://ref.example/r/{code}" in reply
    assert f"https://t.me/{USERNAME}?start={code}" in reply

    # The next poll confirmed it: it is gone from the queue and never handled twice.
    later = telegram_api.queue_update(polling.driver.message("COUNT"))
    await handled(telegram_api, later["update_id"])
    await polling.bot.dispatcher.dispatch_due()
    assert await polling.count("inbound_events") == 2
    assert len(telegram_api.texts(777)) == 2
    methods = [c.method for c in telegram_api.calls]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert telegram_api.webhook == {}
    await polling.channel.stop()
    polls = len(telegram_api.called("getUpdates"))
    await asyncio.sleep(0.05)
    assert len(telegram_api.called("getUpdates")) == polls  # stopped for good


async def test_a_redelivered_update_while_polling_changes_nothing(
    polling: Wired, telegram_api: FakeTelegram
) -> None:
    await polling.channel.start()
    update = polling.driver.message("LINK")
    telegram_api.queue_update(update)
    await handled(telegram_api, update["update_id"])
    telegram_api.queue_update(update)  # the same update_id again, as after a lost confirmation
    await handled(telegram_api, update["update_id"])
    await telegram_api.wait_for(lambda: len(telegram_api.called("getUpdates")) >= 3)
    await polling.bot.dispatcher.dispatch_due()
    assert len(telegram_api.texts(777)) == 1


async def test_polling_answers_a_tapped_button(polling: Wired, telegram_api: FakeTelegram) -> None:
    await polling.channel.start()
    tap = telegram_api.queue_update(polling.driver.callback("LINK", query_id="4400999"))
    await handled(telegram_api, tap["update_id"])
    await telegram_api.wait_for(lambda: bool(telegram_api.called("answerCallbackQuery")))
    assert telegram_api.called("answerCallbackQuery")[0].params["callback_query_id"] == "4400999"
    await polling.bot.dispatcher.dispatch_due()
    assert len(telegram_api.texts(777)) == 1


async def test_polling_pauses_on_errors_and_flood_control_then_carries_on(
    polling: Wired, telegram_api: FakeTelegram
) -> None:
    telegram_api.fail("getUpdates", 502, "Bad Gateway")
    telegram_api.fail("getUpdates", 409, "Conflict: terminated by other getUpdates request")
    telegram_api.flood(retry_after=0, method="getUpdates")
    await polling.channel.start()
    update = telegram_api.queue_update(polling.driver.message("LINK"))
    await handled(telegram_api, update["update_id"])
    assert [c.answer for c in telegram_api.called("getUpdates")][:4] == [[502], [409], [429], [200]]
    await polling.bot.dispatcher.dispatch_due()
    assert len(telegram_api.texts(777)) == 1


async def test_polling_told_another_process_polls_says_what_to_do(
    polling: Wired, telegram_api: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    telegram_api.fail("getUpdates", 409, "Conflict: terminated by other getUpdates request")
    await polling.channel.start()
    update = telegram_api.queue_update(polling.driver.message("LINK"))
    await handled(telegram_api, update["update_id"])
    said = [r.getMessage() for r in caplog.records if r.name == "bot.channels.telegram_polling"]
    assert said == [
        "telegram polling: Telegram gives this bot's updates to someone else (409 Conflict: "
        "terminated by other getUpdates request): another `referral-bot serve` polls the same "
        "TELEGRAM_BOT_TOKEN, or a webhook was set for it; stop the other one, or run "
        "`referral-bot telegram setup` here. Trying again"
    ]  # was "Conflict: Conflict: terminated by other getUpdates request"


async def test_polling_keeps_an_update_it_could_not_store_and_handles_it_later(
    polling: Wired, telegram_api: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = polling.bot.inbox.message
    outage = [True]

    async def database_down(inbound: Inbound) -> object:
        if outage.pop() if outage else False:
            raise ConnectionError("database is restarting")
        return await real(inbound)

    monkeypatch.setattr(polling.bot.inbox, "message", database_down)
    await polling.channel.start()
    update = telegram_api.queue_update(polling.driver.message("LINK"))
    await handled(telegram_api, update["update_id"])
    await polling.bot.dispatcher.dispatch_due()
    assert len(telegram_api.texts(777)) == 1


async def test_polling_handles_a_batch_chat_by_chat_each_chat_in_order(
    polling: Wired, telegram_api: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = polling.bot.inbox.message
    seen: list[tuple[str, str]] = []

    async def noted(inbound: Inbound) -> object:
        seen.append((inbound.sender.id, inbound.text))
        return await real(inbound)

    monkeypatch.setattr(polling.bot.inbox, "message", noted)
    people = [user(800 + n, f"Friend{n}") for n in range(5)]
    last = {}
    for text in ("hi", "LINK", "COUNT"):  # three messages from each, queued as one batch
        for person in people:
            last = telegram_api.queue_update(polling.driver.message(text, sender=person))
    await polling.channel.start()
    await handled(telegram_api, last["update_id"])
    for person in people:
        said = [text for who, text in seen if who == str(person["id"])]
        assert said == ["hi", "LINK", "COUNT"]
    await polling.bot.dispatcher.dispatch_due()
    assert await polling.count("inbound_events") == 15
    assert all(len(telegram_api.texts(person["id"])) == 3 for person in people)


async def test_a_malformed_update_in_a_poll_is_skipped_and_the_rest_of_the_batch_answered(
    polling: Wired, telegram_api: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    before = telegram_api.queue_update(polling.driver.message("LINK"))
    # A chat id as a string: no Bot API update has one. PTB's parse refused the whole batch.
    bad = telegram_api.queue_update(
        {
            "update_id": before["update_id"] + 1,
            "message": {
                "message_id": 9,
                "date": 1,
                "text": "LINK",
                "chat": {"id": "777", "type": "private"},
                "from": user(778, "Odd"),
            },
        }
    )
    after = telegram_api.queue_update(polling.driver.message("COUNT"))
    await polling.channel.start()
    await handled(telegram_api, after["update_id"])
    await polling.bot.dispatcher.dispatch_due()
    assert len(telegram_api.texts(777)) == 2  # the link, then the count
    assert telegram_api.texts(778) == []
    assert f"telegram update {bad['update_id']} not understood; ignored" in caplog.text
    assert await polling.count("inbound_events") == 2


async def test_a_failed_update_in_a_batch_comes_again_and_holds_back_its_chat_only(
    polling: Wired, telegram_api: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = polling.bot.inbox.message
    mina, jun = user(777, "Mina"), user(901, "Jun")
    outage = [True]
    seen: list[tuple[str, str]] = []

    async def flaky(inbound: Inbound) -> object:
        if inbound.sender.id == "777" and inbound.text == "LINK" and outage:
            outage.pop()
            raise ConnectionError("database is restarting")
        seen.append((inbound.sender.id, inbound.text))
        return await real(inbound)

    monkeypatch.setattr(polling.bot.inbox, "message", flaky)
    telegram_api.queue_update(polling.driver.message("LINK", sender=mina))
    telegram_api.queue_update(polling.driver.message("hi", sender=jun))
    last = telegram_api.queue_update(polling.driver.message("COUNT", sender=mina))
    await polling.channel.start()
    await handled(telegram_api, last["update_id"])
    # Mina's COUNT waited for her LINK. Jun's message went ahead; it came again with the rest
    # of the batch and was recognised by its update id: one answer.
    assert [text for who, text in seen if who == "777"] == ["LINK", "COUNT"]
    assert {text for who, text in seen if who == "901"} == {"hi"}
    await polling.bot.dispatcher.dispatch_due()
    assert await polling.count("inbound_events") == 3
    assert len(telegram_api.texts(777)) == 2
    assert len(telegram_api.texts(901)) == 1


async def test_polling_with_a_rejected_token_stops_instead_of_hammering(
    polling: Wired, telegram_api: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    telegram_api.token = "999:another-bot"  # our token is now unknown: 401
    await polling.channel.start()
    await telegram_api.wait_for(lambda: bool(telegram_api.calls))
    await asyncio.sleep(0.05)
    assert [c.method for c in telegram_api.calls] == ["getMe"]
    assert "polling stopped" in caplog.text
    assert polling.channel.deep_link("K7Q2M9XA") is None


async def test_the_app_lifespan_runs_and_stops_polling(
    telegram_api: FakeTelegram, sqlite_url: str, clock: FakeClock
) -> None:
    async with wired(telegram_api, sqlite_url, clock, secret=None) as made:
        async with lifespan(made.app):
            update = telegram_api.queue_update(made.driver.message("LINK"))
            await handled(telegram_api, update["update_id"])
        polls = len(telegram_api.called("getUpdates"))
        await asyncio.sleep(0.05)
        assert len(telegram_api.called("getUpdates")) == polls
        await made.bot.dispatcher.dispatch_due()
        assert (
            len(telegram_api.texts(777)) == 1
        )  # sending still works after stop: initialized lazily


# -- recorded update bodies ------------------------------------------------------------------

PAYLOADS = Path(__file__).parent.parent / "payloads" / "telegram"


def payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return loaded


async def test_recorded_updates_from_a_korean_friend_joining_to_blocking_the_bot(
    tg: Wired,
) -> None:
    await say_on_console(tg, "alice", "LINK")
    start = payload("start_deep_link")
    start["message"]["text"] = f"/start {await participant_code(tg, ALICE)}"
    for name, update in [
        ("start_deep_link", start),
        ("text_message", payload("text_message")),
        ("edited_message", payload("edited_message")),
        ("group_message", payload("group_message")),
        ("channel_post", payload("channel_post")),
    ]:
        assert (await tg.driver.post(update)).status_code == 200, name
    tap = await tg.driver.post(payload("callback_query"))
    assert tap.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": "3337502993481275390",
    }
    await tg.bot.dispatcher.dispatch_due()
    # Nothing for the edit, group or channel post, and the tap's answer was the text's, word
    # for word, while that was still waiting: it goes once.
    welcome, count = tg.fake.texts(777)
    assert welcome.startswith(tg.bot.catalogs.text("ko", "join.welcome", referrer="Alice")[:10])
    # Her app is in Korean and she wrote in English: she is answered in English from now on.
    assert count.startswith("You haven't referred anyone yet. Share your link:")
    assert tg.console.sent[-1].text == tg.bot.catalogs.text(
        "en", "thanks.signup", count=1, friend="Mina"  # issue #12: a first name only
    )
    assert await counted(tg, ALICE) == 1

    await tg.driver.post(payload("my_chat_member_kicked"))
    await tg.bot.dispatcher.dispatch_due()
    await say_on_console(tg, "bob", f"JOIN {await participant_code(tg, MINA)}")
    assert len(tg.fake.texts(777)) == 2  # blocked: her thank-you is skipped, not sent
    # Nobody can write to a bot they blocked: a message from her means she unblocked it.
    await tg.driver.post(tg.driver.message("TOP"))
    await tg.bot.dispatcher.dispatch_due()
    assert len(tg.fake.texts(777)) == 3


async def test_telegram_link_reply_has_a_share_button_and_a_qr_photo(tg: Wired) -> None:
    await tg.driver.post(tg.driver.message("my link", sender=user(777, "Mina")))
    await tg.bot.dispatcher.dispatch_due()
    async with tg.bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("telegram", "777"))
    assert found is not None
    deep = f"https://t.me/{USERNAME}?start={found[0].code}"
    (reply,) = tg.fake.sent(777)
    rows = reply.params["reply_markup"]["inline_keyboard"]
    share = rows[-1][0]
    assert share["text"] == "Share"
    shared = urlsplit(share["url"])
    assert (shared.netloc, shared.path) == ("t.me", "/share/url")
    assert parse_qs(shared.query)["url"] == [deep]
    [(chat, png, caption)] = tg.fake.photos
    assert chat == "777" and caption == deep
    assert png == qr_png(deep)


async def test_a_refused_qr_photo_loses_nothing(tg: Wired) -> None:
    tg.fake.fail("sendPhoto", 400, "Bad Request: IMAGE_PROCESS_FAILED")
    await tg.driver.post(tg.driver.message("LINK", sender=user(777, "Mina")))
    await tg.bot.dispatcher.dispatch_due()
    assert len(tg.fake.sent(777)) == 1  # the link went out once, and is not sent again
    assert tg.fake.photos == []
