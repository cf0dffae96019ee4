"""The Telegram channel's own parts: reading updates, sending through the telegram_api Bot API, the
errors the dispatcher is told about, and registering the webhook."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.channels.telegram import Telegram, api_url, from_settings
from bot.channels.telegram_updates import (
    ALLOWED_UPDATES,
    NotAnUpdate,
    Reachability,
    display_name,
    language_hint,
    read_update,
)
from bot.core.channel import DeepLinking, DeliveryFailed
from bot.core.config import Settings
from bot.core.messages import Address, Button, Inbound, Outbound, Profile
from tests.channels.fake_telegram import (
    TOKEN,
    USERNAME,
    FakeTelegram,
    WebhookDriver,
    private_chat,
    user,
)

# PTB 22 warns on every RetryAfter until PTB_TIMEDELTA=true; the channel handles both forms.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
MINA = Address("telegram", "777")


@pytest.fixture
async def channel(telegram_api: FakeTelegram) -> AsyncIterator[Telegram]:
    made = Telegram(
        token=telegram_api.token,
        public_base_url="https://ref.example",
        webhook_secret="hook-S3cret_token",
        api_base_url=telegram_api.base_url,
    )
    yield made
    await made.stop()


def updates() -> WebhookDriver:
    return WebhookDriver(app=None, secret=None)  # type: ignore[arg-type]  # builds bodies only


def read(body: dict[str, object], username: str | None = USERNAME) -> object:
    return read_update(body, bot_username=username, now=NOW)


# -- reading updates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ko", "ko"),
        ("ko-KR", "ko"),
        ("zh-hant", "zh-Hant"),
        ("zh-TW", "zh-Hant"),
        ("zh-hk", "zh-Hant"),
        ("zh_MO", "zh-Hant"),
        ("zh-Hant-TW", "zh-Hant"),
        ("zh", "zh-Hans"),
        ("zh-hans", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh-sg", "zh-Hans"),
        ("en", "en"),
        ("en-GB", "en"),
        ("ja", "en"),
        ("kok", "en"),
        (None, None),
        ("", None),
    ],
)
def test_language_code_becomes_one_of_our_languages(code: str | None, expected: str | None) -> None:
    assert language_hint(code) == expected


def test_a_private_message_becomes_an_inbound_with_identity_and_profile() -> None:
    body = updates().message(
        "/start K7Q2M9XA",
        sender=user(777, "Mina", last_name="Park", language_code="ko"),
    )
    inbound = read(body)
    assert isinstance(inbound, Inbound)
    assert inbound.sender == MINA
    assert inbound.text == "/start K7Q2M9XA"
    assert inbound.event_id == f"{body['update_id']}:777:1"
    assert inbound.received_at == NOW
    assert inbound.profile == Profile(name="Mina Park", reply_to="777", lang="ko")


def test_a_command_for_our_bot_loses_the_mention_and_one_for_another_bot_is_ignored() -> None:
    driver = updates()
    ours = read(driver.message(f"/start@{USERNAME.upper()} K7Q2M9XA"))
    assert isinstance(ours, Inbound) and ours.text == "/start K7Q2M9XA"
    for theirs in ("/start@other_bot K7Q2M9XA", "/link@other_bot", f"/start@{USERNAME}x K7Q2M9XA"):
        assert read(driver.message(theirs)) is None, theirs
    # Before getMe has named us, a command addressed to a bot may be another's: not taken.
    assert read(driver.message(f"/start@{USERNAME} K7Q2M9XA"), username=None) is None
    bare = read(driver.message("/start K7Q2M9XA"), username=None)
    assert isinstance(bare, Inbound) and bare.text == "/start K7Q2M9XA"
    quoted = read(driver.message("is /start@other_bot yours?"))  # a question, not a command
    assert isinstance(quoted, Inbound) and quoted.text == "is /start@other_bot yours?"


def test_names_lose_bidi_overrides_and_controls_but_keep_markup_characters() -> None:
    person = user(1, "\u202eevil\u0007", last_name="<b>&")
    assert display_name(person) == "evil <b>&"


def test_a_photo_without_caption_is_media_only_and_a_captioned_one_reads_its_caption() -> None:
    driver = updates()
    photo = [{"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}]
    bare = read(driver.message(None, photo=photo))
    captioned = read(driver.message(None, photo=photo, caption="LINK"))
    assert isinstance(bare, Inbound) and bare.profile.media_only is True and bare.text == ""
    assert isinstance(captioned, Inbound) and captioned.text == "LINK"
    assert captioned.profile.media_only is False


def test_updates_that_are_not_a_person_writing_to_us_read_as_nothing() -> None:
    driver = updates()
    group = {"id": -100123, "type": "supergroup", "title": "Fans"}
    robot = user(4242, "Other", is_bot=True)
    assert read(driver.message("LINK", chat=group)) is None
    assert read(driver.message("LINK", sender=robot)) is None
    assert read(driver.message("LINK", kind="edited_message", edit_date=1_800_000_100)) is None
    channel_post = {
        "update_id": 9,
        "channel_post": {
            "message_id": 3,
            "date": 1,
            "chat": {"id": -1001, "type": "channel"},
            "text": "LINK",
        },
    }
    assert read(channel_post) is None
    pinned = driver.message(
        None, pinned_message={"message_id": 1, "date": 0, "chat": private_chat()}
    )
    assert read(pinned) is None
    assert read(driver.callback(None)) is None  # a game button: no data
    assert read({"update_id": 10}) is None


def test_a_button_tap_reads_as_its_keyword_and_block_updates_as_reachability() -> None:
    driver = updates()
    tap = read(driver.callback("LINK", query_id="4400123"))
    assert isinstance(tap, Inbound)
    assert (tap.sender, tap.text, tap.event_id) == (MINA, "LINK", "cb:4400123")
    assert tap.profile.reply_to == "777"
    assert read(driver.my_chat_member("kicked")) == Reachability(MINA, reachable=False)
    assert read(driver.my_chat_member("member")) == Reachability(MINA, reachable=True)


@pytest.mark.parametrize(
    "huge", [2**63, -(2**63) - 1, int("9" * 4000)], ids=["2^63", "-2^63-1", "4000-digit"]
)
def test_an_id_past_64_bits_is_no_update(huge: int) -> None:
    # Telegram's ids fit in 64 bits; a 4,000-digit one made a 4,000-character address.
    driver = updates()
    for body in (
        driver.message("LINK", sender=user(huge)),
        driver.message("LINK", chat=private_chat(huge)),
        driver.callback("LINK", sender=user(huge)),
        driver.my_chat_member("kicked", sender=user(huge)),
    ):
        with pytest.raises(NotAnUpdate):
            read(body)
    largest = read(driver.message("LINK", sender=user(2**63 - 1)))
    assert isinstance(largest, Inbound) and largest.sender.id == str(2**63 - 1)


# -- settings --------------------------------------------------------------------------------


def test_from_settings_needs_the_token() -> None:
    assert from_settings(Settings(telegram_bot_token=None)) is None
    assert from_settings(Settings(telegram_bot_token="")) is None
    assert isinstance(from_settings(Settings(telegram_bot_token=TOKEN)), Telegram)
    polling = from_settings(Settings(telegram_bot_token=TOKEN, telegram_webhook_secret=""))
    assert isinstance(polling, Telegram)
    # A secret setWebhook would refuse never gets here: tests/cli/test_environment_errors.py.
    with pytest.raises(ValueError, match="1 to 256 characters of A-Z a-z 0-9 _ -"):
        Settings(telegram_bot_token=TOKEN, telegram_webhook_secret="has space")


def test_api_base_url_accepts_a_host_ptbs_form_or_a_template() -> None:
    assert api_url(None) == "https://api.telegram.org/bot"
    assert api_url("http://127.0.0.1:8081") == "http://127.0.0.1:8081/bot"
    assert api_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/bot"
    assert api_url("http://h/bot{token}/test") == "http://h/bot{token}/test"


# -- sending ---------------------------------------------------------------------------------


async def test_send_works_without_start_and_sends_plain_text_with_an_inline_keyboard(
    telegram_api: FakeTelegram, channel: Telegram
) -> None:
    message = Outbound(
        MINA,
        "Hi <b>&amp; you",
        (Button("My link", "LINK"), Button("Count", "COUNT"), Button("Top", "TOP")),
        "777",
    )
    provider_id = await channel.send(message)
    assert [c.method for c in telegram_api.calls] == ["getMe", "sendMessage"]  # initialized lazily
    params = telegram_api.sent()[0].params
    assert provider_id == "1"
    assert params["chat_id"] == "777"
    assert params["text"] == "Hi <b>&amp; you"  # as written: no parse_mode, nothing to escape
    assert "parse_mode" not in params
    keyboard = params["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in keyboard] == [["LINK", "COUNT"], ["TOP"]]
    assert keyboard[0][0]["text"] == "My link"
    assert await channel.send(Outbound(MINA, "again")) == "2"
    assert "reply_markup" not in telegram_api.sent()[1].params
    assert len(telegram_api.called("getMe")) == 1


async def test_send_goes_to_reply_to_when_the_chat_differs(
    telegram_api: FakeTelegram, channel: Telegram
) -> None:
    await channel.send(Outbound(MINA, "hello", reply_to="-4242"))
    assert telegram_api.sent()[0].params["chat_id"] == "-4242"


async def test_a_button_whose_keyword_is_too_long_for_callback_data_is_left_out(
    telegram_api: FakeTelegram, channel: Telegram
) -> None:
    await channel.send(Outbound(MINA, "hi", (Button("x", "X" * 65),)))
    assert "reply_markup" not in telegram_api.sent()[0].params


async def failure_of(channel: Telegram, to: str = "777", text: str = "hi") -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as caught:
        await channel.send(Outbound(Address("telegram", to), text))
    return caught.value


async def test_a_blocked_chat_is_a_permanent_blocked_failure(
    telegram_api: FakeTelegram, channel: Telegram
) -> None:
    telegram_api.blocked.add("777")
    failure = await failure_of(channel)
    assert (failure.reason, failure.permanent) == ("blocked", True)
    assert "blocked by the user" in failure.detail


async def test_a_deactivated_user_is_blocked_too(
    telegram_api: FakeTelegram, channel: Telegram
) -> None:
    telegram_api.fail("sendMessage", 403, "Forbidden: user is deactivated")
    assert (await failure_of(channel)).reason == "blocked"


async def test_flood_control_is_transient_with_telegrams_retry_after(
    telegram_api: FakeTelegram, channel: Telegram
) -> None:
    telegram_api.flood(retry_after=7)
    failure = await failure_of(channel)
    assert (failure.reason, failure.permanent, failure.retry_after) == ("rate_limited", False, 7)


@pytest.mark.parametrize(
    ("said", "wait"),
    [(10**20, 3600), (float("inf"), 1), ("soon", 1), (-3, 1), (True, 1), (2.5, 3), (0, 0)],
)
async def test_a_garbled_flood_control_number_is_a_bounded_wait_not_a_crash(
    telegram_api: FakeTelegram, channel: Telegram, said: object, wait: int
) -> None:
    telegram_api.fail("sendMessage", 429, "Too Many Requests", retry_after=said)
    failure = await failure_of(channel)
    assert (failure.reason, failure.permanent, failure.retry_after) == ("rate_limited", False, wait)


async def test_the_fake_floods_a_second_message_to_a_chat_within_a_second_when_asked(
    telegram_api: FakeTelegram, channel: Telegram
) -> None:
    telegram_api.enforce_flood_limits = True
    await channel.send(Outbound(MINA, "one"))
    failure = await failure_of(channel)
    assert (failure.reason, failure.retry_after) == ("rate_limited", 1)
    await channel.send(Outbound(Address("telegram", "778"), "another chat is fine"))


async def test_retry_after_is_read_as_a_timedelta_too(
    telegram_api: FakeTelegram, channel: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    telegram_api.flood(retry_after=3)
    assert (await failure_of(channel)).retry_after == 3.0


async def test_chat_not_found_and_other_bad_requests_are_permanent(
    telegram_api: FakeTelegram, channel: Telegram
) -> None:
    telegram_api.missing.add("404404")
    missing = await failure_of(channel, to="404404")
    too_long = await failure_of(channel, text="x" * 4097)
    assert (missing.reason, missing.permanent) == ("not_found", True)
    assert too_long.permanent and "too long" in too_long.detail


async def test_a_rejected_token_is_an_auth_failure_that_does_not_quote_the_token(
    telegram_api: FakeTelegram,
) -> None:
    wrong = Telegram(
        token="999:WRONG-secret-token",
        public_base_url="https://ref.example",
        api_base_url=telegram_api.base_url,
    )
    failure = await failure_of(wrong)
    await wrong.stop()
    assert (failure.reason, failure.permanent) == ("auth", False)  # the channel pauses
    assert failure.detail == "Unauthorized (getMe); check TELEGRAM_BOT_TOKEN"
    assert "WRONG-secret-token" not in str(failure)


async def test_server_errors_and_an_unreachable_api_are_transient(
    telegram_api: FakeTelegram, channel: Telegram
) -> None:
    telegram_api.fail("sendMessage", 502, "Bad Gateway")
    failure = await failure_of(channel)
    assert (failure.reason, failure.permanent) == ("transient", False)
    await telegram_api.close()
    # One pass of the event loop lets the client read the fake's close of the kept-alive
    # connection, as it would long before a real next send. Without it the send goes out on
    # that connection in the same instant and is `uncertain` (aiohttp, unlike httpx, does not
    # poll a pooled socket before reusing it).
    await asyncio.sleep(0)
    failure = await failure_of(channel)
    assert (failure.reason, failure.permanent) == ("transient", False)


async def test_the_fake_answers_401_for_an_unknown_token_and_404_for_an_unknown_method(
    telegram_api: FakeTelegram,
) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{telegram_api.base_url}1:NOPE/getMe")
        unknown = await client.post(f"{telegram_api.base_url}{telegram_api.token}/sendTelepathy")
    assert wrong.status_code == 401 and wrong.json()["ok"] is False
    assert unknown.status_code == 404


# -- lifecycle -------------------------------------------------------------------------------


async def test_start_learns_the_username_and_registers_the_webhook_with_the_secret(
    telegram_api: FakeTelegram, channel: Telegram
) -> None:
    assert isinstance(channel, DeepLinking)
    assert channel.deep_link("K7Q2M9XA") is None  # getMe has not answered yet
    await channel.start()
    assert channel.username == USERNAME
    assert channel.deep_link("K7Q2M9XA") == f"https://t.me/{USERNAME}?start=K7Q2M9XA"
    assert channel.deep_link("not a payload") is None
    assert telegram_api.webhook == {
        "url": "https://ref.example/telegram/webhook",
        "secret_token": "hook-S3cret_token",
        "allowed_updates": list(ALLOWED_UPDATES),
    }
    assert not telegram_api.called("getUpdates")


async def test_a_webhook_telegram_refuses_is_logged_and_startup_goes_on(
    telegram_api: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    plain_http = Telegram(
        token=telegram_api.token,
        public_base_url="http://localhost:8000",
        webhook_secret="s",
        api_base_url=telegram_api.base_url,
    )
    with caplog.at_level(logging.ERROR):
        await plain_http.start()
    await plain_http.stop()
    assert telegram_api.webhook == {}
    assert "PUBLIC_BASE_URL" in caplog.text


async def test_a_webhook_registration_that_fails_for_now_is_retried(
    telegram_api: FakeTelegram,
) -> None:
    telegram_api.fail("setWebhook", 502, "Bad Gateway")
    channel = Telegram(
        token=telegram_api.token,
        public_base_url="https://ref.example",
        webhook_secret="s",
        api_base_url=telegram_api.base_url,
        poll_pause=0.01,
    )
    await channel.start()
    await telegram_api.wait_for(lambda: bool(telegram_api.webhook))
    await channel.stop()
    assert len(telegram_api.called("setWebhook")) == 2
