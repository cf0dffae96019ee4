"""Sending: the official SDK's `messages.create_async` against a loopback Twilio, and what
the dispatcher makes of Twilio's answers (PLATFORMS.md A6, A10, D1.11)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from email.utils import format_datetime

import pytest

from bot.channels.sms import REQUIRED, TwilioSms, clip, from_settings, render
from bot.core.channel import DeliveryFailed
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address, Button, Outbound
from bot.core.sms_text import sms_encoding, sms_segments
from bot.core.store.records import OutboxRow
from bot.web import Lifecycle
from tests.channels.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PUBLIC_BASE_URL,
    FakeTwilio,
    TwilioWorld,
    twilio_world,
)

ALICE = "+14155550100"


@pytest.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[TwilioWorld]:
    async with twilio_world(sqlite_url, clock) as built:
        yield built


def to(number: str, text: str = "hello", *buttons: Button) -> Outbound:
    return Outbound(Address("sms", number), text, tuple(buttons))


async def rows(world: TwilioWorld) -> list[OutboxRow]:
    async with world.bot.store.transaction() as tx:
        return await tx.outbox.recent()


async def enqueue(world: TwilioWorld, message: Outbound) -> None:
    now = world.clock.now()
    async with world.bot.store.transaction() as tx:
        await tx.outbox.enqueue(message, kind="reply", due_at=now, at=now)


# What goes over the wire -----------------------------------------------------------------------


async def test_send_posts_what_the_sdk_posts_and_returns_twilios_sid(world: TwilioWorld) -> None:
    sid = await world.channel.send(to(ALICE, "hi 👋"))
    [request] = world.fake.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.get("To") == ALICE and request.get("From") == FROM_NUMBER
    assert request.get("Body") == "hi 👋"
    assert request.get("StatusCallback") == f"{PUBLIC_BASE_URL}/twilio/status"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sid == world.fake.messages[0]["sid"]
    assert sid is not None and sid.startswith("SM") and len(sid) == 34


async def test_a_messaging_service_sends_without_a_from_number(
    sqlite_url: str, clock: FakeClock
) -> None:
    async with twilio_world(
        sqlite_url, clock, twilio_from_number=None, twilio_messaging_service_sid="MG" + "1" * 32
    ) as world:
        await world.channel.send(to(ALICE))
        [request] = world.fake.requests
        assert request.get("MessagingServiceSid") == "MG" + "1" * 32
        assert request.get("From") is None
        assert world.fake.messages[0]["status"] == "accepted"


async def test_send_works_without_start_and_after_stop(world: TwilioWorld) -> None:
    assert isinstance(world.channel, Lifecycle)  # the web app's lifespan starts and stops it
    await world.channel.send(to(ALICE))  # the worker process never calls start()
    await world.channel.stop()
    await world.channel.stop()  # twice is fine
    await world.channel.start()
    await world.channel.send(to(ALICE))
    assert len(world.fake.messages) == 2


async def test_buttons_become_keywords_on_one_short_line(world: TwilioWorld) -> None:
    message = to(ALICE, "Your link: https://ref.example/r/K7Q2M9XA", Button("My link", "LINK"))
    message = Outbound(message.to, message.text, (*message.buttons, Button("Count", "COUNT")))
    await world.channel.send(message)
    assert world.fake.sent_to(ALICE) == [
        "Your link: https://ref.example/r/K7Q2M9XA\nLINK: My link / COUNT"
    ]


def test_rendered_buttons_keep_an_english_reply_in_gsm7_and_one_segment() -> None:
    message = to(
        ALICE, "Thanks! 2 friends joined.", Button("My link", "LINK"), Button("Help", "HELP")
    )
    text = render(message)
    assert sms_encoding(text) == "GSM-7"
    assert sms_segments(text) == 1


def test_a_korean_reply_renders_its_labels_as_they_are() -> None:
    text = render(to(ALICE, "링크입니다", Button("내 링크", "LINK")))
    assert text == "링크입니다\nLINK: 내 링크"


KOREAN_LINK = (
    "친구가 가입하면 친구는 US$20.00, 회원님은 US$20.00 받아요.\n"
    "전용 추천 링크예요:\nhttps://ref.example/r/K7Q2M9XA\n"
    "친구가 이렇게 메시지를 보내도 가입할 수 있어요: JOIN K7Q2M9XA"
)


def test_a_korean_link_reply_stays_in_two_segments_without_its_keyword_line() -> None:
    assert sms_segments(KOREAN_LINK) == 2
    text = render(to(ALICE, KOREAN_LINK, Button("내 추천", "COUNT"), Button("순위", "TOP")))
    assert text == KOREAN_LINK  # "COUNT: 내 추천 / TOP: 순위" would make it three
    assert sms_segments(text) == 2


def test_the_bare_keywords_stay_when_only_the_labels_would_add_a_segment() -> None:
    text = "가" * 120  # two segments, 14 UCS-2 units to spare
    rendered = render(to(ALICE, text, Button("내 추천", "COUNT"), Button("순위", "TOP")))
    assert rendered == text + "\nCOUNT / TOP"
    assert sms_segments(rendered) == 2


def test_a_reply_already_over_two_segments_keeps_its_keyword_line() -> None:
    text = "x" * 400  # three GSM-7 segments however it ends
    rendered = render(to(ALICE, text, Button("My link", "LINK")))
    assert rendered == text + "\nLINK: My link"


def test_bodies_are_clipped_to_1600_utf16_units_without_splitting_a_character() -> None:
    assert clip("x" * 1601) == "x" * 1600
    assert clip("x" * 1600) == "x" * 1600
    clipped = clip("x" * 1599 + "👋")  # the emoji needs two units; only one is left
    assert clipped == "x" * 1599
    assert len(clip("👋" * 1000).encode("utf-16-le")) // 2 == 1600


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("가" * 70, 1),
        ("가" * 71, 2),
        ("x" * 160, 1),
        ("x" * 161, 2),
        ("x" * 150 + "👋", 3),  # one emoji makes the whole message UCS-2
    ],
    ids=["70 hangul", "71 hangul", "160 ascii", "161 ascii", "emoji"],
)
async def test_a_body_without_buttons_goes_out_untouched(
    world: TwilioWorld, body: str, segments: int
) -> None:
    await world.channel.send(to(ALICE, body))
    [message] = world.fake.messages
    assert message["body"] == body
    assert message["num_segments"] == str(segments)


async def test_a_reply_longer_than_twilio_allows_is_clipped_not_refused(world: TwilioWorld) -> None:
    await world.channel.send(to(ALICE, "긴 답장 " * 400))
    [body] = world.fake.sent_to(ALICE)
    assert len(body) == 1600


# Twilio's errors -------------------------------------------------------------------------------


async def test_21610_marks_the_number_opted_out_and_the_row_is_never_retried(
    world: TwilioWorld,
) -> None:
    world.fake.blocklist.add(ALICE)  # they texted STOP to Twilio earlier
    await world.driver.sms("LINK")
    await world.bot.dispatcher.dispatch_due()
    [row] = await rows(world)
    assert row.status == "skipped" and "opted_out" in (row.last_error or "")
    async with world.bot.store.transaction() as tx:
        identity = await tx.participants.identity(Address("sms", ALICE))
    assert identity is not None and identity.opted_out
    world.clock.advance(timedelta(days=2))
    await world.bot.dispatcher.dispatch_due()
    await world.driver.sms("COUNT")
    await world.bot.dispatcher.dispatch_due()
    assert len(world.fake.requests) == 1  # one attempt, ever
    assert world.fake.messages == []


@pytest.mark.parametrize("code_status", [(21610, 400), (21211, 400), (21614, 400), (21612, 400)])
async def test_permanent_errors_map_to_their_reasons(code_status: tuple[int, int]) -> None:
    from twilio.base.exceptions import TwilioRestException

    from bot.channels.sms import failure

    code, status = code_status
    mapped = failure(TwilioRestException(status, "/Messages.json", "nope", code))
    assert mapped.permanent
    assert mapped.reason == ("opted_out" if code == 21610 else "invalid_address")


async def test_an_invalid_number_is_dead_at_once(world: TwilioWorld) -> None:
    with pytest.raises(DeliveryFailed) as raised:
        await world.channel.send(to("+1234"))
    assert (raised.value.reason, raised.value.permanent) == ("invalid_address", True)
    await enqueue(world, to("+1234"))
    await world.bot.dispatcher.dispatch_due()
    world.clock.advance(timedelta(hours=2))
    await world.bot.dispatcher.dispatch_due()
    [row] = await rows(world)
    assert row.status == "dead"
    assert len(world.fake.requests) == 2  # the direct send above, and one from the dispatcher


async def test_429_is_rate_limited_with_twilios_retry_after(world: TwilioWorld) -> None:
    world.fake.throttle, world.fake.retry_after = 1, "7"
    with pytest.raises(DeliveryFailed) as raised:
        await world.channel.send(to(ALICE))
    failure = raised.value
    assert (failure.reason, failure.permanent, failure.retry_after) == ("rate_limited", False, 7.0)
    world.fake.throttle, world.fake.retry_after = 1, None
    with pytest.raises(DeliveryFailed) as raised:
        await world.channel.send(to(ALICE))
    assert raised.value.retry_after == 1.0


async def test_a_429s_retry_after_as_a_date_is_honoured_and_a_garbled_one_bounded(
    world: TwilioWorld,
) -> None:
    waits = []
    for header in (
        format_datetime(world.clock.now() + timedelta(seconds=30), usegmt=True),
        "99999999",  # days away: capped at an hour
        "inf",  # unreadable: Twilio's usual second
        "1e400",
    ):
        world.fake.throttle, world.fake.retry_after = 1, header
        with pytest.raises(DeliveryFailed) as raised:
            await world.channel.send(to(ALICE))
        waits.append(raised.value.retry_after)
    assert waits == [30.0, 3600.0, 1.0, 1.0]


async def test_429_reschedules_the_row_and_it_goes_out_once_later(world: TwilioWorld) -> None:
    world.fake.throttle, world.fake.retry_after = 1, "7"
    await world.driver.sms("LINK")
    await world.bot.dispatcher.dispatch_due()
    [row] = await rows(world)
    assert row.status == "scheduled"
    assert row.due_at >= world.clock.now() + timedelta(seconds=7)
    await world.bot.dispatcher.dispatch_due()  # not due yet: nothing happens
    assert len(world.fake.requests) == 1
    world.clock.advance(timedelta(seconds=8))
    await world.bot.dispatcher.dispatch_due()
    [row] = await rows(world)
    assert row.status == "sent"
    assert len(world.fake.sent_to(ALICE)) == 1  # no duplicate SMS


async def test_server_errors_are_retried_a_bounded_number_of_times(world: TwilioWorld) -> None:
    world.fake.server_errors = 1000
    await world.driver.sms("LINK")
    for _ in range(20):
        await world.bot.dispatcher.dispatch_due()
        world.clock.advance(timedelta(hours=2))
    [row] = await rows(world)
    assert row.status == "dead"
    # Issue #13: retried for 24 h (backoff capped at an hour), not 8 attempts: with the clock
    # jumping 2 h at a time, one request per jump until the window closes.
    assert 1 < len(world.fake.requests) <= 14
    assert world.fake.messages == []


async def test_a_server_error_then_success_sends_exactly_once(world: TwilioWorld) -> None:
    world.fake.server_errors = 2
    await world.driver.sms("LINK")
    for _ in range(3):
        await world.bot.dispatcher.dispatch_due()
        world.clock.advance(timedelta(minutes=5))
    [row] = await rows(world)
    assert row.status == "sent" and row.provider_id == world.fake.messages[0]["sid"]
    assert len(world.fake.sent_to(ALICE)) == 1


async def test_wrong_credentials_are_an_auth_failure(world: TwilioWorld) -> None:
    channel = TwilioSms(
        account_sid=ACCOUNT_SID,
        auth_token="0" * 32,
        public_base_url=PUBLIC_BASE_URL,
        from_number=FROM_NUMBER,
        api_base_url=world.fake.url,
    )
    try:
        with pytest.raises(DeliveryFailed) as raised:
            await channel.send(to(ALICE))
    finally:
        await channel.stop()
    # The channel's credentials, not the message: the dispatcher pauses SMS, the row waits.
    assert (raised.value.reason, raised.value.permanent) == ("auth", False)
    assert raised.value.detail == "401/20003; check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"


async def test_an_unreachable_api_is_transient() -> None:
    fake = FakeTwilio()
    url = await fake.start()
    await fake.close()  # nothing listens there any more
    channel = TwilioSms(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        public_base_url=PUBLIC_BASE_URL,
        from_number=FROM_NUMBER,
        api_base_url=url,
    )
    try:
        with pytest.raises(DeliveryFailed) as raised:
            await channel.send(to(ALICE))
    finally:
        await channel.stop()
    assert (raised.value.reason, raised.value.permanent) == ("transient", False)
    host = url.removeprefix("http://").rstrip("/")
    assert raised.value.detail.startswith(
        f"aiohttp.ClientConnectorError: Cannot connect to host {host} ssl:default ["
    )


async def test_a_hanging_api_times_out_as_uncertain(world: TwilioWorld) -> None:
    """The request was written and no answer came: Twilio may have sent it (issue #13)."""
    channel = TwilioSms(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        public_base_url=PUBLIC_BASE_URL,
        from_number=FROM_NUMBER,
        api_base_url=world.fake.url,
        timeout=0.2,
    )
    world.fake.delay = 5.0
    try:
        with pytest.raises(DeliveryFailed) as raised:
            await channel.send(to(ALICE))
    finally:
        await channel.stop()
    assert (raised.value.reason, raised.value.permanent) == ("uncertain", False)


# Settings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "missing",
    ["twilio_account_sid", "twilio_auth_token", "twilio_from_number"],
)
def test_the_channel_is_off_without_its_credentials(missing: str) -> None:
    values = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_from_number": FROM_NUMBER,
    }
    values[missing] = ""
    assert from_settings(Settings(**values)) is None  # type: ignore[arg-type]
    for variable in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"):
        assert variable in REQUIRED


def test_a_messaging_service_is_enough_of_a_sender() -> None:
    settings = Settings(
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_messaging_service_sid="MG" + "1" * 32,
    )
    channel = from_settings(settings)
    assert channel is not None and channel.name == "sms"
    assert "TWILIO_MESSAGING_SERVICE_SID" in REQUIRED
