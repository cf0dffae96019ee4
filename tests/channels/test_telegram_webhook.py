"""Hostile and odd input on POST /telegram/webhook (PLATFORMS.md D2), through the real ASGI app.

Every refusal is checked twice: the status code, and that nothing changed (no participant, no
processed event, no outbox row).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, MutableMapping
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.core.clock import FakeClock
from bot.core.messages import Address, Profile
from tests.channels.fake_telegram import (
    WEBHOOK_SECRET,
    FakeTelegram,
    Wired,
    user,
    wired,
)

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

MINA = Address("telegram", "777")


@pytest.fixture
async def tg(telegram_api: FakeTelegram, sqlite_url: str, clock: FakeClock) -> AsyncIterator[Wired]:
    async with wired(telegram_api, sqlite_url, clock) as made:
        await made.channel.start()  # getMe and setWebhook, as the lifespan would
        yield made


async def replies(tg: Wired, chat_id: str | int = 777) -> list[str]:
    await tg.bot.dispatcher.dispatch_due()
    return tg.fake.texts(chat_id)


async def code_of(tg: Wired, address: Address) -> str:
    async with tg.bot.store.transaction() as tx:
        found = await tx.participants.by_address(address)
    assert found is not None
    return found[0].code


async def referrals(tg: Wired) -> int:
    return await tg.count("referrals")


async def counted(tg: Wired, referrer: Address) -> int:
    """The referrer's count as the bot tells it: from the referral rows themselves."""
    async with tg.bot.store.transaction() as tx:
        found = await tx.participants.by_address(referrer)
        assert found is not None
        return (await tx.referrals.counts(found[0].id)).counted


# -- D2.1 the secret header ------------------------------------------------------------------

@pytest.mark.parametrize(
    "secret",
    [
        None,
        "",
        "wrong",
        "X" * len(WEBHOOK_SECRET),  # right length, wrong value
        WEBHOOK_SECRET.upper(),
        WEBHOOK_SECRET.swapcase(),
        f" {WEBHOOK_SECRET}",
        f"{WEBHOOK_SECRET} ",
        f"{WEBHOOK_SECRET}x",
        WEBHOOK_SECRET[:-1],
    ],
)
async def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_processed(
    tg: Wired, secret: str | None
) -> None:
    response = await tg.driver.post(tg.driver.message("LINK"), secret=secret, retry=False)
    assert response.status_code == 403
    assert await tg.nothing_happened()


async def send_raw(tg: Wired, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """Straight to the ASGI app, so header bytes arrive exactly as given (no client cleanup)."""
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "https", "path": "/telegram/webhook", "raw_path": b"/telegram/webhook",
        "query_string": b"", "root_path": "", "headers": headers,
        "client": ("127.0.0.1", 5000), "server": ("ref.example", 443),
    }
    sent: list[MutableMapping[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await tg.app(scope, receive, send)
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


@pytest.mark.parametrize(
    "raw_secret",
    [
        f" {WEBHOOK_SECRET}".encode(),
        f"{WEBHOOK_SECRET}\t".encode(),
        WEBHOOK_SECRET.encode() + b"\xff",
        "hook-S3cret_tökén".encode(),
        b"\x00" * len(WEBHOOK_SECRET),
    ],
)
async def test_secret_bytes_that_almost_match_are_refused_without_a_crash(
    tg: Wired, raw_secret: bytes
) -> None:
    body = json.dumps(tg.driver.message("LINK")).encode()
    headers = [(b"content-type", b"application/json"),
               (b"x-telegram-bot-api-secret-token", raw_secret)]
    assert await send_raw(tg, headers, body) == 403
    assert await tg.nothing_happened()


async def test_without_a_configured_secret_the_webhook_refuses_everything(
    telegram_api: FakeTelegram, sqlite_url: str, clock: FakeClock
) -> None:
    async with wired(telegram_api, sqlite_url, clock, secret=None) as polling:
        update = polling.driver.message("LINK")
        for secret in (None, "", "anything", WEBHOOK_SECRET):
            response = await polling.driver.post(update, secret=secret, retry=False)
            assert response.status_code == 403
        assert await polling.nothing_happened()


# -- D2.2 content type -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
async def test_a_body_that_is_not_declared_json_is_refused(tg: Wired, content_type: str) -> None:
    response = await tg.driver.post(
        tg.driver.message("LINK"), content_type=content_type, retry=False
    )
    assert response.status_code == 415
    assert await tg.nothing_happened()


async def test_json_with_a_charset_parameter_is_accepted(tg: Wired) -> None:
    response = await tg.driver.post(
        tg.driver.message("LINK"), content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 200
    assert len(await replies(tg)) == 1


async def test_other_methods_are_not_allowed(tg: Wired) -> None:
    transport = httpx.ASGITransport(app=tg.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://ref.example") as client:
        response = await client.get("/telegram/webhook")
    assert response.status_code == 405
    assert await tg.nothing_happened()


# -- D2.3 malformed JSON, or JSON that is no Update -------------------------------------------

NOT_UPDATES = [
    "{",
    "[]",
    "{}",
    "null",
    '"update"',
    "42",
    '{"update_id":"abc"}',
    '{"update_id":1.5}',
    '{"update_id":true}',
    '{"update_id":null}',
    '{"update_id":1001,"message":{"message_id":1,"chat":{"id":777,"type":"private"},'
    '"from":{"id":777,"is_bot":false,"first_name":"A"},"text":"LINK"}}',  # no date
    '{"update_id":1002,"message":"LINK"}',
    '{"update_id":1003,"message":{"message_id":1,"date":"soon","chat":{"id":777,'
    '"type":"private"},"text":"LINK"}}',
    '{"update_id":1004,"message":{"message_id":1,"date":1,"chat":{"id":"777",'
    '"type":"private"},"from":{"id":"777","is_bot":false,"first_name":"A"},"text":"LINK"}}',
    '{"update_id":1005,"message":{"message_id":1,"date":1,"chat":{"id":777,'
    '"type":"private"},"from":{"id":777,"is_bot":false,"first_name":"A"},"text":{"x":1}}}',
    '{"update_id":1006,"callback_query":{"id":"1","from":{"id":777,"is_bot":false,'
    '"first_name":"A"},"chat_instance":"1","data":["LINK"]}}',
    "[" * 100_000 + "]" * 100_000,
]


@pytest.mark.parametrize("body", NOT_UPDATES, ids=range(len(NOT_UPDATES)))
async def test_an_authenticated_body_that_is_no_update_is_answered_200_and_ignored(
    tg: Wired, body: str
) -> None:
    response = await tg.driver.post(body, retry=False)
    assert response.status_code == 200  # not a poison pill Telegram would redeliver forever
    assert await tg.nothing_happened()


@pytest.mark.parametrize("body", ["{", "[]", '{"update_id":"abc"}', '{"update_id":7,"message":1}'])
async def test_a_body_that_is_no_update_is_logged(
    tg: Wired, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    await tg.driver.post(body, retry=False)
    assert "ignored" in caplog.text
    assert WEBHOOK_SECRET not in caplog.text


async def test_a_user_id_past_64_bits_is_logged_and_ignored_and_the_next_message_answered(
    tg: Wired, caplog: pytest.LogCaptureFixture
) -> None:
    huge = tg.driver.message("LINK", sender=user(int("9" * 4000)))  # a 4,000-character address
    assert (await tg.driver.post(huge, retry=False)).status_code == 200
    assert await tg.nothing_happened()
    assert "not understood; ignored" in caplog.text
    assert (await tg.driver.post(tg.driver.message("LINK"))).status_code == 200
    assert len(await replies(tg)) == 1


async def test_a_body_that_is_not_utf8_is_answered_200_and_ignored(tg: Wired) -> None:
    response = await tg.driver.post(b'{"update_id": 5, "x": "\xff\xfe"}', retry=False)
    assert response.status_code == 200
    assert await tg.nothing_happened()


# -- D2.4 duplicates, replays, order --------------------------------------------------------------

async def test_the_same_update_twice_has_one_effect(tg: Wired) -> None:
    update = tg.driver.message("LINK")
    first = await tg.driver.post(update)
    again = await tg.driver.redeliver(update)
    assert first.status_code == again.status_code == 200
    assert await tg.count("outbox") == 1
    assert len(await replies(tg)) == 1


async def test_a_database_hiccup_answers_500_so_telegram_redelivers_and_it_counts_once(
    tg: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tg.bot.inbox.message
    outage = [True]

    async def flaky(inbound: Any) -> object:
        if outage and outage.pop():
            raise ConnectionError("database is restarting")
        return await real(inbound)

    monkeypatch.setattr(tg.bot.inbox, "message", flaky)
    update = tg.driver.message("LINK")
    response = await tg.driver.post(update)
    assert [r.status_code for r in tg.driver.responses] == [500, 200]
    assert response.status_code == 200
    assert await tg.count("inbound_events") == 1
    assert len(await replies(tg)) == 1


async def test_an_older_update_after_a_newer_one_is_processed_once(tg: Wired) -> None:
    older = tg.driver.message("LINK")
    newer = tg.driver.message("COUNT")
    await tg.driver.post(newer)
    await tg.driver.post(older)
    await tg.driver.redeliver(older)
    assert await tg.count("inbound_events") == 2
    assert len(await replies(tg)) == 2


async def test_a_random_jump_in_update_ids_is_accepted_even_onto_an_id_seen_before(
    tg: Wired,
) -> None:
    first = tg.driver.message("LINK")
    await tg.driver.post(first)
    # After a quiet week Telegram picks the next update_id at random: here, one seen before.
    jumped = tg.driver.message("COUNT")
    jumped["update_id"] = first["update_id"]
    far = tg.driver.message("TOP")
    far["update_id"] = 987_654_321
    assert (await tg.driver.post(jumped)).status_code == 200
    assert (await tg.driver.post(far)).status_code == 200
    assert await tg.count("inbound_events") == 3
    assert len(await replies(tg)) == 3


# -- D2.5 deep-link payload abuse -----------------------------------------------------------

ABUSE = [
    "/start " + "A" * 65,
    "/start " + "K7Q2M9XA" * 9,
    "/start ref=1",
    "/start %2F%2E%2E",
    "/start a+b",
    "/start a b",
    "/start K7Q2M9XA K7Q2M9XA",
    "/start 🎉🎉",
    "/start <script>",
    "/start ZZZZ9999",  # well formed, nobody's code
]


@pytest.mark.parametrize("text", ABUSE)
async def test_an_abused_start_payload_gets_a_graceful_answer_and_no_credit(
    tg: Wired, text: str
) -> None:
    await tg.bot.engine.handle(_console_inbound(tg, "alice", "LINK"))
    response = await tg.driver.post(tg.driver.message(text))
    assert response.status_code == 200
    answer = await replies(tg)
    assert len(answer) == 1 and answer[0].strip()
    assert await referrals(tg) == 0


async def test_a_start_with_ones_own_code_is_no_self_referral(tg: Wired) -> None:
    await tg.driver.post(tg.driver.message("LINK"))
    own = await code_of(tg, MINA)
    await tg.driver.post(tg.driver.message(f"/start {own}"))
    answer = await replies(tg)
    assert answer[-1] == tg.bot.catalogs.text("en", "join.own_code")
    assert await counted(tg, MINA) == 0


async def test_start_typed_without_a_command_entity_still_reads_as_start(tg: Wired) -> None:
    update = tg.driver.message("/start")
    del update["message"]["entities"]
    assert (await tg.driver.post(update)).status_code == 200
    assert (await replies(tg))[0] == tg.bot.catalogs.text("en", "help.text")


# -- D2.6 unicode, markup and size -----------------------------------------------------------

async def test_rtl_override_and_markup_in_a_name_reach_the_referrer_harmless(tg: Wired) -> None:
    await tg.bot.engine.handle(_console_inbound(tg, "alice", "LINK"))
    code = await code_of(tg, Address("console", "alice"))
    friend = user(888, "\u202eNima", last_name="<b>&amp;</b>")
    await tg.driver.post(tg.driver.message(f"/start {code}", sender=friend))
    await tg.bot.dispatcher.dispatch_due()
    thanks = tg.console.sent[-1].text
    # issue #12: a friend is named to the referrer by a short first name only, markup left out
    assert "Nima just joined" in thanks and "<b>" not in thanks
    assert "\u202e" not in thanks
    welcome = tg.fake.sent(888)[0].params
    assert "parse_mode" not in welcome


async def test_a_4096_character_message_is_read_and_answered(tg: Wired) -> None:
    text = "LINK " + "x" * 4091
    assert len(text) == 4096
    assert (await tg.driver.post(tg.driver.message(text))).status_code == 200
    assert len(await replies(tg)) == 1


async def test_emoji_before_a_command_shift_entity_offsets_and_the_command_still_works(
    tg: Wired,
) -> None:
    await tg.bot.engine.handle(_console_inbound(tg, "alice", "LINK"))
    code = await code_of(tg, Address("console", "alice"))
    update = tg.driver.message(f"👋🏽 /start {code}")
    assert update["message"]["entities"][0]["offset"] == 5  # UTF-16 units, not characters
    assert (await tg.driver.post(update)).status_code == 200
    assert await referrals(tg) == 1


async def test_emoji_before_link_gets_the_link(tg: Wired) -> None:
    await tg.driver.post(tg.driver.message("🙂 /link"))
    code = await code_of(tg, MINA)
    assert f"https://ref.example/r/{code}" in (await replies(tg))[0]


# -- D2.7 oversized body -------------------------------------------------------------------

async def test_an_oversized_body_is_refused_413_before_parsing(tg: Wired) -> None:
    update = tg.driver.message("LINK " + "x" * 1_100_000)
    response = await tg.driver.post(update, retry=False)
    assert response.status_code == 413
    assert await tg.nothing_happened()


# -- D2.8 blocked users --------------------------------------------------------------------

async def test_a_403_on_send_marks_the_user_unreachable_until_they_write_again(
    tg: Wired,
) -> None:
    await tg.driver.post(tg.driver.message("LINK"))
    tg.fake.blocked.add("777")
    await tg.bot.dispatcher.dispatch_due()
    assert await _unreachable(tg, MINA)
    tg.fake.blocked.clear()
    # Writing to the bot again is unblocking it (nobody can write to a bot they blocked),
    # whether or not Telegram's member update arrives first: she is answered.
    await tg.driver.post(tg.driver.message("COUNT"))
    assert not await _unreachable(tg, MINA)
    await tg.bot.dispatcher.dispatch_due()
    async with tg.bot.store.transaction() as tx:
        rows = await tx.outbox.for_address(MINA)
    assert sorted(row.status for row in rows) == ["sent", "skipped"]


async def test_blocking_and_unblocking_the_bot_is_remembered(tg: Wired) -> None:
    await tg.driver.post(tg.driver.message("LINK"))
    await tg.bot.dispatcher.dispatch_due()
    kicked = tg.driver.my_chat_member("kicked")
    assert (await tg.driver.post(kicked)).status_code == 200
    assert await _unreachable(tg, MINA)
    assert (await tg.driver.redeliver(kicked)).status_code == 200  # idempotent
    assert await _unreachable(tg, MINA)
    await tg.driver.post(tg.driver.my_chat_member("member"))
    assert not await _unreachable(tg, MINA)
    await tg.driver.post(tg.driver.message("COUNT"))
    assert len(await replies(tg)) == 2


async def test_a_block_from_someone_we_never_met_changes_nothing(tg: Wired) -> None:
    response = await tg.driver.post(tg.driver.my_chat_member("kicked", sender=user(31337, "X")))
    assert response.status_code == 200
    assert await tg.nothing_happened()


# -- D2.9 flood control -----------------------------------------------------------------------

async def test_a_429_reschedules_the_row_no_sooner_than_retry_after_and_does_not_hot_loop(
    tg: Wired,
) -> None:
    await tg.driver.post(tg.driver.message("LINK"))
    tg.fake.flood(retry_after=30)
    await tg.bot.dispatcher.dispatch_due()
    assert tg.fake.sent() == [] and len(tg.fake.called("sendMessage")) == 1
    async with tg.bot.store.transaction() as tx:
        (row,) = await tx.outbox.for_address(MINA)
    assert row.status == "scheduled"
    assert row.due_at >= tg.bot.clock.now() + timedelta(seconds=30)
    await tg.bot.dispatcher.dispatch_due()  # nothing due yet: no second attempt
    assert len(tg.fake.called("sendMessage")) == 1
    assert isinstance(tg.bot.clock, FakeClock)
    tg.bot.clock.advance(row.due_at - tg.bot.clock.now())
    assert len(await replies(tg)) == 1


# -- D2.10 updates that are not a private message to us ----------------------------------------

async def test_edits_channel_posts_group_chatter_and_bots_are_answered_200_and_ignored(
    tg: Wired,
) -> None:
    group = {"id": -100555, "type": "supergroup", "title": "Fans"}
    ignored = [
        tg.driver.message("LINK", kind="edited_message", edit_date=1_800_000_100),
        {"update_id": 4001, "channel_post": {"message_id": 9, "date": 1,
                                             "chat": {"id": -1009, "type": "channel"},
                                             "text": "LINK"}},
        tg.driver.message("LINK", chat=group),
        tg.driver.message("/link@ref_test_bot", chat=group),
        tg.driver.message("LINK", sender=user(4242, "Robo", is_bot=True)),
        tg.driver.my_chat_member("kicked") | {"my_chat_member": {
            **tg.driver.my_chat_member("kicked")["my_chat_member"], "chat": group}},
        {"update_id": 4002, "inline_query": {"id": "7", "from": user(), "query": "x",
                                             "offset": ""}},
        {"update_id": 4003, "poll": {"id": "1", "question": "?", "options": [],
                                     "total_voter_count": 0, "is_closed": False,
                                     "is_anonymous": True, "type": "regular",
                                     "allows_multiple_answers": False}},
        {"update_id": 4004, "brand_new_update_type": {"x": 1}},
    ]
    for update in ignored:
        assert (await tg.driver.post(update)).status_code == 200, update
    assert await tg.nothing_happened()


async def test_a_tapped_button_reads_as_its_keyword_and_is_acknowledged_in_the_response(
    tg: Wired,
) -> None:
    await tg.driver.post(tg.driver.message("LINK"))
    response = await tg.driver.post(tg.driver.callback("COUNT", query_id="4400777"))
    assert response.status_code == 200
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": "4400777"}
    answers = await replies(tg)
    assert len(answers) == 2
    assert tg.fake.called("answerCallbackQuery") == []  # nothing left the request handler


async def test_a_stale_button_gets_a_graceful_answer(tg: Wired) -> None:
    response = await tg.driver.post(tg.driver.callback("lang:v1:old-menu"))
    assert response.status_code == 200
    assert response.json()["method"] == "answerCallbackQuery"
    (answer,) = await replies(tg)
    assert answer in {tg.bot.catalogs.text("en", key) for key in ("unknown.reply", "help.text")}


async def test_a_photo_without_words_gets_the_media_prompt(tg: Wired) -> None:
    photo = [{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]
    await tg.driver.post(tg.driver.message(None, photo=photo))
    assert await replies(tg) == [tg.bot.catalogs.text("en", "media.prompt")]


# -- helpers -----------------------------------------------------------------------------------

def _console_inbound(tg: Wired, who: str, text: str) -> Any:
    from bot.core.messages import Inbound

    return Inbound(Address("console", who), text, f"console-{who}-{text}", tg.bot.clock.now(),
                   Profile(name=who))


async def _unreachable(tg: Wired, address: Address) -> bool:
    async with tg.bot.store.transaction() as tx:
        identity = await tx.participants.identity(address)
    assert identity is not None
    return identity.unreachable
