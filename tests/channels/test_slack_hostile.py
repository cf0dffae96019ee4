"""PLATFORMS.md D3: hostile and malformed requests to `POST /slack/events`.

Each answers with the status code Slack (or an attacker) should get, and leaves nothing behind:
no recorded event, no participant, no outbox row, no call to Slack's Web API.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

import pytest

from tests.channels.fake_slack import (
    BOT_ID,
    BOT_USER,
    FORM,
    SECRET,
    USER,
    FakeSlack,
    SlackHarness,
    click_body,
    command_body,
    dm,
    event_body,
    mention,
    payload,
    section_text,
    sign,
)


@pytest.fixture
def slack(slack: SlackHarness, slack_api: FakeSlack) -> SlackHarness:
    slack_api.calls.clear()  # auth.test at start is expected; every test below counts from zero
    return slack


def raw_sign(body: bytes, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    """Slack's algorithm over raw bytes, for bodies SignatureVerifier cannot decode."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": "v0=" + digest}


async def nothing_happened(slack: SlackHarness) -> bool:
    await slack.bot.dispatcher.dispatch_due()
    return await slack.untouched() and slack.fake.calls == []


LINK_DM = event_body(dm("LINK"))


# ---- 1. forged signatures ---------------------------------------------------------------------


async def test_a_forged_signature_is_refused(slack: SlackHarness) -> None:
    headers = {
        "X-Slack-Request-Timestamp": str(slack.now()),
        "X-Slack-Signature": "v0=" + "ab" * 32,
    }
    response = await slack.post(LINK_DM, signed=False, headers=headers)
    assert response.status_code == 401
    assert await nothing_happened(slack)


async def test_a_body_tampered_by_one_byte_is_refused(slack: SlackHarness) -> None:
    headers = sign(LINK_DM, timestamp=slack.now())
    tampered = LINK_DM.replace(b'"LINK"', b'"LINl"')
    assert len(tampered) == len(LINK_DM) and tampered != LINK_DM
    response = await slack.post(tampered, signed=False, headers=headers)
    assert response.status_code == 401
    assert await nothing_happened(slack)


async def test_a_signature_made_with_another_secret_is_refused(slack: SlackHarness) -> None:
    headers = sign(LINK_DM, timestamp=slack.now(), secret="not-our-signing-secret")
    response = await slack.post(LINK_DM, signed=False, headers=headers)
    assert response.status_code == 401
    assert await nothing_happened(slack)


# ---- 2. replays outside the five-minute window ---------------------------------------------


@pytest.mark.parametrize("age", [301, -301, 10_000, -10_000])
async def test_a_timestamp_outside_five_minutes_is_refused(slack: SlackHarness, age: int) -> None:
    response = await slack.post(LINK_DM, age=age)
    assert response.status_code == 401
    assert await nothing_happened(slack)


@pytest.mark.parametrize("age", [299, -299, 0])
async def test_a_timestamp_inside_five_minutes_passes(slack: SlackHarness, age: int) -> None:
    response = await slack.post(LINK_DM, age=age)
    assert response.status_code == 200
    assert len(await slack.replies()) == 1


# ---- 3. malformed headers ----------------------------------------------------------------------


@pytest.mark.parametrize("drop", ["X-Slack-Signature", "X-Slack-Request-Timestamp", "both"])
async def test_missing_signature_headers_are_refused(slack: SlackHarness, drop: str) -> None:
    headers = sign(LINK_DM, timestamp=slack.now())
    for name in list(headers):
        if drop in (name, "both"):
            del headers[name]
    response = await slack.post(LINK_DM, signed=False, headers=headers)
    assert response.status_code == 401
    assert await nothing_happened(slack)


@pytest.mark.parametrize(
    "timestamp",
    ["abc", "", " 1795000000", "1795000000 ", "1.795e9", "-1", "１７９５", "9" * 40, "0x1f"],
)
async def test_a_timestamp_that_is_not_plain_digits_is_refused(
    slack: SlackHarness, timestamp: str
) -> None:
    # Bolt 1.30 alone answers 500 for "abc" (int() raises inside its middleware).
    signature = sign(LINK_DM, timestamp=slack.now())["X-Slack-Signature"]
    headers = [
        (b"content-type", b"application/json"),
        (b"x-slack-request-timestamp", timestamp.encode()),  # UTF-8 bytes for the fullwidth one
        (b"x-slack-signature", signature.encode()),
    ]
    response = await slack.http.post("/slack/events", content=LINK_DM, headers=headers)
    assert response.status_code == 401
    assert await nothing_happened(slack)


def _variants(signature: str) -> list[str]:
    hexpart = signature.removeprefix("v0=")
    return [
        "v1=" + hexpart,
        "v0=" + hexpart.upper(),
        " " + signature,
        signature + " ",
        "v0= " + hexpart,
        hexpart,
        signature[:-1],
        signature + "0",
        "v0=" + hexpart + ",v0=" + hexpart,
    ]


@pytest.mark.parametrize("variant", range(9))
async def test_a_mangled_but_correct_signature_is_refused(
    slack: SlackHarness, variant: int
) -> None:
    signature = sign(LINK_DM, timestamp=slack.now())["X-Slack-Signature"]
    headers = {
        "X-Slack-Request-Timestamp": str(slack.now()),
        "X-Slack-Signature": _variants(signature)[variant],
    }
    response = await slack.post(LINK_DM, signed=False, headers=headers)
    assert response.status_code == 401
    assert await nothing_happened(slack)


async def test_a_non_ascii_signature_header_is_refused_not_a_crash(slack: SlackHarness) -> None:
    # hmac.compare_digest raises TypeError on non-ASCII str; Starlette decodes headers as latin-1.
    signature = "v0=" + "é" * 64
    response = await slack.http.post(
        "/slack/events",
        content=LINK_DM,
        headers=[
            (b"content-type", b"application/json"),
            (b"x-slack-request-timestamp", str(slack.now()).encode()),
            (b"x-slack-signature", signature.encode("latin-1")),
        ],
    )
    assert response.status_code == 401
    assert await nothing_happened(slack)


# ---- 4. malformed bodies -----------------------------------------------------------------------

GARBAGE = [
    (b'\xff\xfe{"type": "event_callback"}', "application/json"),  # not UTF-8
    (b'{"type": "event_callback", "event": {"type": "mess', "application/json"),  # truncated
    (b"payload=%7Bnot+json", FORM),  # payload= that is not JSON
    (b"", "application/json"),  # empty
    (b"", FORM),
]


@pytest.mark.parametrize(("body", "content_type"), GARBAGE)
async def test_unsigned_garbage_is_refused_before_parsing(
    slack: SlackHarness, body: bytes, content_type: str
) -> None:
    response = await slack.post(body, content_type=content_type, signed=False)
    assert response.status_code == 401
    assert await nothing_happened(slack)


@pytest.mark.parametrize(("body", "content_type"), GARBAGE)
async def test_signed_garbage_is_a_client_error_not_a_crash(
    slack: SlackHarness, body: bytes, content_type: str
) -> None:
    headers = raw_sign(body, slack.now())
    response = await slack.post(body, content_type=content_type, signed=False, headers=headers)
    assert 400 <= response.status_code < 500
    assert await nothing_happened(slack)


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'"event_callback"',
        b"payload=%5B1%5D",  # payload=[1]
        b"payload=null",
        b'{"type": "event_callback", "event": "message"}',
        b'{"type": "event_callback", "event": {"text": "no type"}}',
        b'{"type": "block_actions", "actions": [{"value": "LINK"}]}',
        b'{"type": "block_actions", "actions": "LINK"}',
        b'{"type": 7}',
        b"command=%2Freferrals&text=count",  # no user, no team
        b"[" * 100_000 + b"]" * 100_000,  # nesting deeper than the JSON parser recurses
    ],
)
async def test_signed_payloads_of_the_wrong_shape_are_refused(
    slack: SlackHarness, body: bytes
) -> None:
    content_type = FORM if b"=" in body[:20] else "application/json"
    response = await slack.post(body, content_type=content_type)
    assert response.status_code == 400
    assert await nothing_happened(slack)


async def test_an_oversized_body_is_refused_before_reading(slack: SlackHarness) -> None:
    response = await slack.post(b"{" + b" " * 1_100_000 + b"}")
    assert response.status_code == 413
    assert await nothing_happened(slack)


# ---- 5. retries and duplicates -----------------------------------------------------------------


async def test_retries_of_one_event_are_handled_once(slack: SlackHarness) -> None:
    assert (await slack.event(dm("LINK"), event_id="Ev42")).status_code == 200
    for attempt in (1, 2, 3):
        retry = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"}
        response = await slack.event(dm("LINK"), event_id="Ev42", headers=retry)
        assert response.status_code == 200
    assert len(await slack.replies()) == 1
    assert await slack.count("inbound_events") == 1
    assert await slack.count("participants") == 1


async def test_a_replayed_slash_command_is_handled_once(slack: SlackHarness) -> None:
    for _ in range(3):
        assert (await slack.command("link", trigger_id="1795.9.same")).status_code == 200
    assert len(await slack.replies()) == 1


async def test_a_replayed_click_changes_nothing(slack: SlackHarness) -> None:
    for _ in range(3):
        assert (await slack.click("LINK", action_ts="1795000009.000001")).status_code == 200
    assert len(await slack.replies()) == 1
    assert (await slack.click("LINK", action_ts="1795000010.000001")).status_code == 200
    assert len(await slack.replies()) == 1  # a new click is a new request


# ---- 6. url_verification -----------------------------------------------------------------------


async def test_an_unsigned_url_verification_is_refused(slack: SlackHarness) -> None:
    body = json.dumps(payload("url_verification.json")).encode()
    response = await slack.post(body, signed=False)
    assert response.status_code == 401
    assert "challenge" not in response.text
    assert await nothing_happened(slack)


# ---- 7. slash command edge cases ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x" * 3000,
        "링크 " * 1500,
        "مرحبا \u202e LINK \u202c",
        "<@U123|name> <#C1|x> <!here> <https://evil.example|LINK>",
        "&lt;script&gt; &amp; 🎉👨‍👩‍👧 :tada:",
        "what is the payload of this?",  # Bolt's own parser drops a form containing "payload"
        "\x00\x01\n\t",
    ],
)
async def test_odd_slash_command_text_gets_an_answer(slack: SlackHarness, text: str) -> None:
    response = await slack.command(text)
    assert response.status_code == 200
    [reply] = await slack.replies()
    assert reply["blocks"]
    assert await slack.count("participants") == 1


async def test_a_slash_command_that_is_not_ours_is_404(slack: SlackHarness) -> None:
    response = await slack.command("count", command="/refer")
    assert response.status_code == 404
    assert await nothing_happened(slack)


# ---- 8. block_actions ---------------------------------------------------------------------


async def test_an_unknown_action_id_is_404(slack: SlackHarness) -> None:
    response = await slack.click("LINK", action_id="delete_everything")
    assert response.status_code == 404
    assert await nothing_happened(slack)


@pytest.mark.parametrize(
    "value",
    [
        '{"text": "LINK", "admin": true}',
        "LINK" * 10_000,
        "link",
        "STOP",
        "",
        {"keyword": "LINK"},
        ["LINK"],
        None,
        7,
    ],
)
async def test_a_button_value_we_never_sent_is_ignored(slack: SlackHarness, value: Any) -> None:
    response = await slack.click(value)
    assert response.status_code == 200  # acked, so Slack shows no error
    assert await nothing_happened(slack)


# ---- 9. bots, edits, chatter -------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        dm("LINK", user=BOT_USER, bot_id=BOT_ID),  # our own reply in the DM
        dm("LINK", user=BOT_USER),  # ours, known from auth.test, without a bot_id
        dm("LINK", bot_id="B0OTHER", subtype="bot_message", user=None),
        dm("LINK", bot_id="B0OTHER"),
        dm("LINK", subtype="message_changed", message={"text": "LINK", "user": USER}),
        dm("", subtype="message_deleted", previous_message={"text": "LINK", "user": USER}),
        dm("LINK", subtype="channel_join"),
        dm("LINK", channel="C0GENERAL", channel_type="channel"),  # chatter, not to us
        dm("LINK", channel="G0GROUP", channel_type="mpim"),
        mention(f"<@{BOT_USER}> LINK", bot_id="B0OTHER"),
        {"type": "reaction_added", "user": USER, "reaction": "tada"},
        {"type": "app_home_opened", "user": USER, "channel": "D0ALICE", "tab": "messages"},
    ],
)
async def test_events_not_from_a_person_to_the_bot_are_acked_and_ignored(
    slack: SlackHarness, event: dict[str, Any]
) -> None:
    response = await slack.event(event)
    assert response.status_code == 200  # 200, or Slack retries and may disable the subscription
    assert await nothing_happened(slack)


# ~4 KB of incompressible text: PostgreSQL's btree rows hold 2704 bytes, and an address built
# from it was a 500 there.
HUGE = "U" + secrets.token_hex(2000)


@pytest.mark.parametrize(
    "event",
    [
        dm("LINK", user=HUGE),
        dm("LINK", channel="D" + HUGE),
        mention(f"<@{BOT_USER}> LINK", user=HUGE),
    ],
    ids=["user", "channel", "mention"],
)
async def test_an_event_with_a_4kb_id_is_acked_and_ignored_and_the_next_one_answered(
    slack: SlackHarness, event: dict[str, Any]
) -> None:
    assert (await slack.event(event)).status_code == 200
    assert await nothing_happened(slack)
    assert (await slack.event(dm("LINK"), event_id="Ev0002")).status_code == 200
    assert len(await slack.replies()) == 1


@pytest.mark.parametrize("field", ["user_id", "team_id"])
async def test_a_slash_command_with_a_4kb_id_is_acked_and_ignored(
    slack: SlackHarness, field: str
) -> None:
    assert (await slack.command("link", **{field: HUGE})).status_code == 200
    assert await nothing_happened(slack)


async def test_an_ssl_check_is_answered_without_side_effects(slack: SlackHarness) -> None:
    response = await slack.post(b"ssl_check=1&token=x", content_type=FORM)
    assert response.status_code == 200
    assert await nothing_happened(slack)


async def test_mention_markup_reaches_the_engine_as_plain_text(slack: SlackHarness) -> None:
    await slack.command("<https://ref.example/x|LINK>")
    [reply] = await slack.replies()
    assert "https://ref.example/r/" in section_text(reply)


async def test_a_command_body_is_signed_as_sent(slack: SlackHarness) -> None:
    # The form is verified as the exact bytes received, before it is decoded.
    body = command_body("link") + b"&extra=%E2%9C%93"
    response = await slack.post(body, content_type=FORM)
    assert response.status_code == 200
    assert len(await slack.replies()) == 1
    assert click_body("LINK")  # the builders share one payload file each
