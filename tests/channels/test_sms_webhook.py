"""POST /twilio/sms: really signed webhooks in, empty TwiML out, and every hostile input of
PLATFORMS.md D1 refused before it changes anything."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest
from starlette.applications import Starlette

from bot.core.clock import FakeClock
from bot.core.messages import Address, Inbound
from bot.core.sms_text import sms_segments
from tests.channels.fake_twilio import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    TwilioDriver,
    TwilioWorld,
    new_sid,
    payload,
    sign,
    twilio_world,
)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
ALICE = "+14155550100"
URL = f"{PUBLIC_BASE_URL}/twilio/sms"


@pytest.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[TwilioWorld]:
    async with twilio_world(sqlite_url, clock) as built:
        yield built


class SpyInbox:
    """Keeps what the channel hands over, to check the translation itself."""

    def __init__(self) -> None:
        self.messages: list[Inbound] = []
        self.reports: list[tuple[str, str, str]] = []

    async def message(self, inbound: Inbound) -> object:
        self.messages.append(inbound)
        return None

    async def delivery_report(self, channel: str, provider_id: str, status: str) -> None:
        self.reports.append((channel, provider_id, status))

    async def reachability(self, address: Address, *, reachable: bool) -> None:
        raise AssertionError("SMS never reports reachability")


@pytest.fixture
async def spied(world: TwilioWorld) -> AsyncIterator[tuple[SpyInbox, TwilioDriver]]:
    spy = SpyInbox()
    driver = TwilioDriver(Starlette(routes=list(world.channel.routes(spy))))
    yield spy, driver
    await driver.aclose()


def assert_empty_twiml(response: httpx.Response) -> None:
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    assert response.text == EMPTY_TWIML


async def replies_to(world: TwilioWorld, number: str) -> list[str]:
    await world.bot.dispatcher.dispatch_due()
    return world.fake.sent_to(number)


# The happy path ---------------------------------------------------------------------------------


async def test_a_text_gets_empty_twiml_and_the_reply_goes_out_through_the_outbox(
    world: TwilioWorld,
) -> None:
    response = await world.driver.sms("LINK")
    assert_empty_twiml(response)
    assert world.fake.requests == []  # nothing is sent from the request handler
    assert await world.count("outbox") == 1
    [reply] = await replies_to(world, ALICE)
    async with world.bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("sms", ALICE))
    assert found is not None
    assert f"{PUBLIC_BASE_URL}/r/{found[0].code}" in reply
    [request] = world.fake.requests
    assert request.get("From") == world.settings.twilio_from_number
    assert request.get("StatusCallback") == f"{PUBLIC_BASE_URL}/twilio/status"


async def test_a_korean_number_texting_for_its_link_gets_a_korean_reply_with_the_link(
    world: TwilioWorld,
) -> None:
    korean = "+821012345678"
    assert_empty_twiml(await world.driver.sms("추천 링크", sender=korean))
    [reply] = await replies_to(world, korean)
    async with world.bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("sms", korean))
    assert found is not None
    participant = found[0]
    assert participant.lang == "ko" and participant.time_zone == "Asia/Seoul"
    assert f"{PUBLIC_BASE_URL}/r/{participant.code}" in reply
    assert any("\uac00" <= char <= "\ud7a3" for char in reply)  # written in Hangul


@pytest.mark.parametrize(
    ("number", "lang", "zone"),
    [
        ("+14155550100", "en", "America/Los_Angeles"),
        ("+821012345678", "ko", "Asia/Seoul"),
        ("+886912345678", "zh-Hant", "Asia/Taipei"),
        ("+85291234567", "zh-Hant", "Asia/Hong_Kong"),
        ("+85366123456", "zh-Hant", "Asia/Shanghai"),  # the library's zone for Macau
        ("+8613800138000", "zh-Hans", "Asia/Shanghai"),
        ("+61412345678", "en", None),  # Australia spans zones: no guess
    ],
)
async def test_a_newcomers_language_and_time_zone_come_from_their_number(
    world: TwilioWorld, number: str, lang: str, zone: str | None
) -> None:
    assert_empty_twiml(await world.driver.sms("LINK", sender=number))
    async with world.bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("sms", number))
    assert found is not None
    assert (found[0].lang, found[0].time_zone) == (lang, zone)


async def test_unknown_parameters_are_signed_over_and_accepted(world: TwilioWorld) -> None:
    pairs = world.driver.sms_pairs("LINK", FutureParam="x", AddOns='{"status":"successful"}')
    assert_empty_twiml(await world.driver.post("/twilio/sms", pairs))
    assert await world.count("outbox") == 1


async def test_the_signed_query_string_is_part_of_the_url(world: TwilioWorld) -> None:
    pairs = world.driver.sms_pairs("LINK")
    assert_empty_twiml(await world.driver.post("/twilio/sms", pairs, query="src=tw&x=1"))


async def test_a_signature_made_with_the_default_port_also_validates(world: TwilioWorld) -> None:
    # RequestValidator tries the URL with and without :443, as Twilio's signers differ.
    pairs = world.driver.sms_pairs("LINK")
    signed = "https://ref.example:443/twilio/sms"
    assert_empty_twiml(await world.driver.post("/twilio/sms", pairs, signed_url=signed))


async def test_the_public_url_is_checked_not_the_one_behind_the_proxy(
    world: TwilioWorld,
) -> None:
    behind_proxy = TwilioDriver(world.app, base_url="http://10.0.0.7:8000")
    try:
        pairs = world.driver.sms_pairs("LINK")
        ok = await behind_proxy.post("/twilio/sms", pairs, signed_url=URL)
        refused = await behind_proxy.post("/twilio/sms", world.driver.sms_pairs("LINK"))
    finally:
        await behind_proxy.aclose()
    assert_empty_twiml(ok)
    assert refused.status_code == 403
    assert await world.count("inbound_events") == 1


# D1.1 and D1.2: forged, tampered, mis-addressed -------------------------------------------------


def _forgeries() -> list[tuple[str, dict[str, object]]]:
    return [
        ("empty signature", {"signature": ""}),
        ("forged", {"signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="}),
        ("wrong token", {"token": "0" * 32}),
        ("http not https", {"signed_url": "http://ref.example/twilio/sms"}),
        ("another host", {"signed_url": "https://evil.example/twilio/sms"}),
        ("another path", {"signed_url": "https://ref.example/twilio/status"}),
        ("query signed, not sent", {"signed_url": URL + "?src=tw"}),
        ("query sent, not signed", {"query": "src=tw", "signed_url": URL}),
        ("internal URL", {"signed_url": "http://127.0.0.1:8000/twilio/sms"}),
    ]


@pytest.mark.parametrize(("why", "how"), _forgeries(), ids=[f[0] for f in _forgeries()])
async def test_a_request_not_signed_by_twilio_for_this_url_is_refused_and_changes_nothing(
    world: TwilioWorld, why: str, how: dict[str, object]
) -> None:
    pairs = world.driver.sms_pairs("LINK")
    response = await world.driver.post("/twilio/sms", pairs, **how)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert "Response" not in response.text  # no TwiML
    assert await world.nothing_stored()
    await world.bot.dispatcher.dispatch_due()
    assert world.fake.requests == []


async def test_no_signature_header_at_all_is_refused(world: TwilioWorld) -> None:
    body = urlencode(world.driver.sms_pairs("LINK"))
    response = await world.driver.http.post(
        "/twilio/sms",
        content=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 403
    assert await world.nothing_stored()


def _tamperings() -> list[tuple[str, object]]:
    def changed_body(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, "COUNT" if k == "Body" else v) for k, v in pairs]

    def added_field(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [*pairs, ("OptOutType", "STOP")]

    def dropped_num_media(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, v) for k, v in pairs if k != "NumMedia"]

    def second_value(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [*pairs, ("Body", "STOP")]

    def other_sender(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k, "+14155550111" if k == "From" else v) for k, v in pairs]

    return [
        ("Body changed", changed_body),
        ("field added", added_field),
        ("NumMedia dropped", dropped_num_media),
        ("second Body value", second_value),
        ("From changed", other_sender),
    ]


@pytest.mark.parametrize(("why", "tamper"), _tamperings(), ids=[t[0] for t in _tamperings()])
async def test_a_form_changed_after_signing_is_refused(
    world: TwilioWorld, why: str, tamper: object
) -> None:
    signed = world.driver.sms_pairs("LINK")
    sent = tamper(signed)  # type: ignore[operator]
    response = await world.driver.post("/twilio/sms", sent, signed_pairs=signed)
    assert response.status_code == 403
    assert await world.nothing_stored()


async def test_a_repeated_key_is_fine_when_it_was_signed(
    spied: tuple[SpyInbox, TwilioDriver],
) -> None:
    spy, driver = spied
    pairs = [*driver.sms_pairs("LINK"), ("MediaUrl0", "https://a.example/1")]
    pairs.append(("MediaUrl0", "https://a.example/2"))
    assert_empty_twiml(await driver.post("/twilio/sms", pairs))
    assert len(spy.messages) == 1


# D1.3: replays and Twilio's retries -------------------------------------------------------------


async def test_the_same_signed_request_twice_changes_things_once_and_replies_once(
    world: TwilioWorld,
) -> None:
    pairs = world.driver.sms_pairs("LINK")
    token = {"I-Twilio-Idempotency-Token": "2f4c6e8a-0b1d-4f3e-9a7c-5e2d8b1f4a6c"}
    first = await world.driver.post("/twilio/sms", pairs, headers=token)
    again = await world.driver.post("/twilio/sms", pairs, headers=token)
    replayed = await world.driver.post("/twilio/sms", pairs)  # a replay with a fresh token
    for response in (first, again, replayed):
        assert_empty_twiml(response)
    assert await world.count("participants") == 1
    assert await world.count("outbox") == 1
    assert len(await replies_to(world, ALICE)) == 1


# D1.4: opt-out keywords -------------------------------------------------------------------------


async def opted_out(world: TwilioWorld, number: str = ALICE) -> bool:
    async with world.bot.store.transaction() as tx:
        identity = await tx.participants.identity(Address("sms", number))
    assert identity is not None
    return identity.opted_out


@pytest.mark.parametrize(
    "keyword",
    [
        "STOP",
        " stop ",
        "Stop",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
    ],
)
async def test_a_carrier_stop_keyword_opts_out_silently_and_nothing_more_is_sent(
    world: TwilioWorld, keyword: str
) -> None:
    assert_empty_twiml(await world.driver.sms("LINK"))
    assert len(await replies_to(world, ALICE)) == 1
    assert_empty_twiml(await world.driver.sms(keyword, OptOutType="STOP"))
    assert await opted_out(world)
    # Twilio already confirmed the STOP: we add nothing, and later texts get no answer.
    assert_empty_twiml(await world.driver.sms("LINK"))
    assert len(await replies_to(world, ALICE)) == 1


async def test_a_stop_twilio_did_not_handle_gets_our_own_confirmation(world: TwilioWorld) -> None:
    # A short code outside a Messaging Service: no OptOutType, so nobody else confirms.
    assert_empty_twiml(await world.driver.sms("STOP"))
    assert await opted_out(world)
    [confirmation] = await replies_to(world, ALICE)
    assert confirmation == world.bot.catalogs.text("en", "stop.confirm")


async def test_stop_please_is_not_a_carrier_opt_out_but_we_honour_it(world: TwilioWorld) -> None:
    # Twilio only matches single words, so no OptOutType and no block on its side; the engine's
    # grammar still reads it as STOP, and says so itself.
    assert_empty_twiml(await world.driver.sms("STOP PLEASE"))
    assert await opted_out(world)
    assert await replies_to(world, ALICE) == [world.bot.catalogs.text("en", "stop.confirm")]


@pytest.mark.parametrize("keyword", ["START", "YES", "UNSTOP"])
async def test_a_carrier_start_keyword_resubscribes(world: TwilioWorld, keyword: str) -> None:
    assert_empty_twiml(await world.driver.sms("STOP", OptOutType="STOP"))
    assert_empty_twiml(await world.driver.sms(keyword, OptOutType="START"))
    assert not await opted_out(world)
    assert await replies_to(world, ALICE) == []  # Twilio confirmed it
    assert_empty_twiml(await world.driver.sms("LINK"))
    assert len(await replies_to(world, ALICE)) == 1


@pytest.mark.parametrize("keyword", ["HELP", "INFO"])
async def test_help_keywords_get_the_help_text(world: TwilioWorld, keyword: str) -> None:
    assert_empty_twiml(await world.driver.sms(keyword, OptOutType="HELP"))
    [reply] = await replies_to(world, ALICE)
    assert reply.startswith(world.bot.catalogs.text("en", "help.text"))
    # The buttons, as keywords to text back: bare, as the labels would make a third segment.
    assert reply.endswith("\nLINK / COUNT / TOP / REWARDS")
    assert sms_segments(reply) == 2


async def test_the_channel_says_when_twilio_confirmed_an_opt_out_keyword(
    spied: tuple[SpyInbox, TwilioDriver],
) -> None:
    spy, driver = spied
    await driver.sms("STOP", OptOutType="STOP")
    await driver.sms("STOP")
    confirmed, unconfirmed = spy.messages
    assert confirmed.profile.provider_confirms_optout is True
    assert unconfirmed.profile.provider_confirms_optout is False


# D1.5: Unicode ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "안녕하세요 추천 링크 주세요",
        "我的推薦連結在哪裡？",
        "我的推荐链接",
        "👋🏽 link please 🎉",
        "مرحبا، أريد الرابط",
        "e\u0301 combining marks",
        "👩\u200d💻 zero width joiner",
        "\u202eKNIL override",
        "<b>&amp; & < > ' \"",
        "x" * 1600,
    ],
    ids=["korean", "trad", "simp", "emoji", "rtl", "combining", "zwj", "rlo", "markup", "1600"],
)
async def test_any_text_validates_and_arrives_exactly_as_sent(
    spied: tuple[SpyInbox, TwilioDriver], body: str
) -> None:
    spy, driver = spied
    sid = new_sid()
    response = await driver.sms(body, sid=sid)
    assert_empty_twiml(response)  # nothing of the text is echoed into the XML
    [inbound] = spy.messages
    assert inbound.text == body
    assert (inbound.sender, inbound.event_id) == (Address("sms", ALICE), sid)


async def test_a_1600_character_korean_text_is_handled(world: TwilioWorld) -> None:
    assert_empty_twiml(await world.driver.sms("링크" * 800))
    assert len(await replies_to(world, ALICE)) == 1


# D1.6: empty and odd bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   \n\t "])
async def test_an_empty_text_gets_a_prompt(world: TwilioWorld, body: str) -> None:
    assert_empty_twiml(await world.driver.sms(body))
    [reply] = await replies_to(world, ALICE)
    assert reply.startswith(world.bot.catalogs.text("en", "unknown.reply"))


async def test_a_picture_without_words_gets_the_media_prompt(world: TwilioWorld) -> None:
    pairs = [(k, v) for k, v in payload("inbound_mms")]  # NumMedia=1, Body=
    assert_empty_twiml(await world.driver.post("/twilio/sms", pairs))
    assert await replies_to(world, ALICE) == [world.bot.catalogs.text("en", "media.prompt")]


async def test_media_only_is_flagged_and_media_with_words_is_not(
    spied: tuple[SpyInbox, TwilioDriver],
) -> None:
    spy, driver = spied
    await driver.post("/twilio/sms", payload("inbound_mms"))
    await driver.sms("LINK", NumMedia="1", MediaUrl0="https://a.example/p.jpg")
    await driver.sms("", NumMedia="not a number")
    picture, captioned, garbled = spy.messages
    assert picture.profile.media_only is True
    assert captioned.profile.media_only is False and garbled.profile.media_only is False


@pytest.mark.parametrize(
    "changes",
    [
        {"From": ""},
        {"From": "whatsapp:+14155550100"},
        {"From": "12345"},
        {"From": "+1"},
        {"From": "not a number"},
        {"From": "+1" + "4155550100" * 400},  # 4 KB: no number, and no address an index holds
        {"From": "+1" + secrets.token_hex(2000)},
        {"MessageSid": "", "SmsSid": ""},
    ],
    ids=[
        "no From",
        "whatsapp",
        "short code",
        "too short",
        "words",
        "4 KB",
        "4 KB hex",
        "no MessageSid",
    ],
)
async def test_a_signed_message_without_a_phone_number_or_id_is_a_bad_request(
    world: TwilioWorld, changes: dict[str, str]
) -> None:
    pairs = [(k, changes.get(k, v)) for k, v in world.driver.sms_pairs("LINK")]
    response = await world.driver.post("/twilio/sms", pairs)
    assert response.status_code == 400
    assert await world.nothing_stored()


async def test_a_number_is_stored_in_one_e164_spelling(
    spied: tuple[SpyInbox, TwilioDriver],
) -> None:
    spy, driver = spied
    await driver.sms("LINK", sender="+1 (415) 555-0100")
    assert spy.messages[0].sender == Address("sms", ALICE)


@pytest.mark.parametrize(
    "content_type", ["application/json", "multipart/form-data; boundary=x", "text/plain"]
)
async def test_anything_but_a_form_is_refused(world: TwilioWorld, content_type: str) -> None:
    signature = sign(AUTH_TOKEN, URL, [])  # even a valid signature over no parameters
    response = await world.driver.http.post(
        "/twilio/sms",
        content=b'{"Body": "LINK", "From": "+14155550100"}',
        headers={"Content-Type": content_type, "X-Twilio-Signature": signature},
    )
    assert response.status_code == 415
    assert await world.nothing_stored()


# D1.7 and the method: size and shape ------------------------------------------------------------


async def test_a_one_megabyte_body_is_refused_before_parsing(world: TwilioWorld) -> None:
    pairs = world.driver.sms_pairs("x" * 1_000_001)
    response = await world.driver.post("/twilio/sms", pairs)
    assert response.status_code == 413
    assert await world.nothing_stored()


async def test_ten_thousand_fields_are_refused(world: TwilioWorld) -> None:
    pairs = world.driver.sms_pairs("LINK") + [(f"F{i}", "1") for i in range(10_000)]
    response = await world.driver.post("/twilio/sms", pairs)  # really signed
    assert response.status_code == 400
    assert await world.nothing_stored()


async def test_get_is_not_allowed(world: TwilioWorld) -> None:
    query = urlencode(world.driver.sms_pairs("LINK"))
    response = await world.driver.http.get(
        f"/twilio/sms?{query}", headers={"X-Twilio-Signature": sign(AUTH_TOKEN, URL, [])}
    )
    assert response.status_code == 405
    assert await world.nothing_stored()


# D1.8: a slow provider never slows the webhook ---------------------------------------------------


async def test_the_webhook_answers_without_waiting_for_twilio(world: TwilioWorld) -> None:
    world.fake.delay = 30.0  # a send now would take 30 s
    assert_empty_twiml(await world.driver.sms("LINK"))
    assert world.fake.requests == []
    assert await world.count("outbox") == 1


@pytest.mark.parametrize(
    ("number", "confirmation"),
    [
        ("+8613800138000", "你已退订，之后不会再在这里收到消息。想恢复的话，发送 START 即可。"),
        (
            "+886912345678",
            "你已取消訂閱，之後不會再從這裡收到訊息。想回來的話，傳 START 就可以了。",
        ),
        (
            "+821012345678",
            "수신 거부가 완료됐어요. 이제 여기로 메시지를 보내지 않을게요. "
            "다시 받으려면 START를 보내 주세요.",
        ),
        (
            "+14155550100",
            "You're unsubscribed and won't get more messages here. Text START to come back.",
        ),
    ],
)
async def test_a_first_td_is_an_opt_out_we_confirm_in_the_language_of_the_number(
    world: TwilioWorld, number: str, confirmation: str
) -> None:
    # TD (回复TD退订) is the Chinese carriers' opt-out, not among Twilio's keywords: Twilio
    # neither blocks nor answers it (no OptOutType), so we opt the number out and say so
    # ourselves, in the language the number's country suggests, as "TD" says none.
    assert_empty_twiml(await world.driver.sms("TD", sender=number))
    assert await opted_out(world, number)
    assert await replies_to(world, number) == [confirmation]
    assert_empty_twiml(await world.driver.sms("LINK", sender=number))
    assert await replies_to(world, number) == [confirmation]  # nothing more after the opt-out
