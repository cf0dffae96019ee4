"""`Slack.send()` against the loopback Web API: what goes on the wire, and what Slack's refusals
become for the dispatcher. Also `start()`, `from_settings` and the ack budget."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.channels.slack import Slack, from_settings
from bot.channels.slack_outbound import LABEL_LIMIT, SECTION_LIMIT, escape, sections
from bot.core.channel import DeliveryFailed
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address, Button, Inbound, Outbound
from tests.channels.fake_slack import (
    BOT_ID,
    BOT_USER,
    DM,
    FORM,
    SECRET,
    TEAM,
    TOKEN,
    USER,
    FakeSlack,
    SlackHarness,
    button_values,
    command_body,
    dm,
    event_body,
    section_text,
    sign,
)

ALICE = Address("slack", f"{TEAM}:{USER}")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
def slack(slack_api: FakeSlack) -> Slack:
    return Slack(token=TOKEN, signing_secret=SECRET, base_url=slack_api.base_url)


async def test_send_posts_text_and_buttons_and_returns_the_ts(
    slack: Slack, slack_api: FakeSlack
) -> None:
    message = Outbound(
        ALICE,
        "Your link: https://ref.example/r/ABCD2345",
        (Button("My count", "COUNT"), Button("Top referrers", "TOP")),
        reply_to=DM,
    )
    ts = await slack.send(message)
    [call] = slack_api.called("chat.postMessage")
    assert ts is not None and slack_api.messages[(DM, ts)]["ts"] == ts
    assert call.authorization == f"Bearer {TOKEN}"
    assert call.body["channel"] == DM
    assert call.body["text"] == message.text
    assert call.body["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": message.text}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "referral_keyword_0",
                    "value": "COUNT",
                    "text": {"type": "plain_text", "text": "My count"},
                },
                {
                    "type": "button",
                    "action_id": "referral_keyword_1",
                    "value": "TOP",
                    "text": {"type": "plain_text", "text": "Top referrers"},
                },
            ],
        },
    ]


async def test_without_reply_to_it_posts_to_the_user_id(slack: Slack, slack_api: FakeSlack) -> None:
    await slack.send(Outbound(ALICE, "hi"))
    assert slack_api.posted[0]["channel"] == USER
    assert "blocks" in slack_api.posted[0]


async def test_send_works_without_start(slack: Slack, slack_api: FakeSlack) -> None:
    # The worker process never starts channels; it only sends.
    assert await slack.send(Outbound(ALICE, "hi")) is not None
    assert slack_api.called("auth.test") == []


async def test_user_text_is_escaped_as_slack_asks(slack: Slack, slack_api: FakeSlack) -> None:
    text = "Bob & <@U0EVE> <!channel> *bold* → 링크 🎉"
    await slack.send(Outbound(ALICE, text))
    body = slack_api.posted[0]
    assert body["text"] == "Bob &amp; &lt;@U0EVE&gt; &lt;!channel&gt; *bold* → 링크 🎉"
    assert section_text(body) == body["text"]


async def test_long_text_is_split_into_sections_within_the_limit(
    slack: Slack, slack_api: FakeSlack
) -> None:
    text = ("line & more\n" * 400) + "&" * 3500
    await slack.send(Outbound(ALICE, text, (Button("x" * 200, "LINK"),)))
    body = slack_api.posted[0]
    pieces = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    assert all(0 < len(piece) <= SECTION_LIMIT for piece in pieces)
    assert "".join(pieces) == escape(text)
    label = body["blocks"][-1]["elements"][0]["text"]["text"]
    assert len(label) <= LABEL_LIMIT
    assert button_values(body) == ["LINK"]


def test_sections_never_cut_an_entity() -> None:
    for size in range(2990, 3001):
        text = "a" * size + "&" * 10
        for piece in sections(text):
            assert not piece.endswith(("&", "&a", "&am", "&amp"))
            assert piece.count("&") == piece.count("&amp;")


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived",
                                   "user_not_found"])  # fmt: skip
async def test_permanent_refusals(slack: Slack, slack_api: FakeSlack, error: str) -> None:
    slack_api.refuse("chat.postMessage", error)
    with pytest.raises(DeliveryFailed) as failed:
        await slack.send(Outbound(ALICE, "hi"))
    assert failed.value.reason == "not_found"
    assert failed.value.permanent


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        ("invalid_auth", "SLACK_BOT_TOKEN"),
        ("not_authed", "SLACK_BOT_TOKEN"),
        ("account_inactive", "SLACK_BOT_TOKEN"),
        ("token_revoked", "SLACK_BOT_TOKEN"),
        ("missing_scope", "the app's scopes (reinstall it)"),
    ],
)
async def test_refused_credentials_are_the_channels_failure_and_say_what_to_fix(
    slack: Slack, slack_api: FakeSlack, error: str, fix: str
) -> None:
    slack_api.refuse("chat.postMessage", error)
    with pytest.raises(DeliveryFailed) as failed:
        await slack.send(Outbound(ALICE, "hi"))
    assert (failed.value.reason, failed.value.permanent) == ("auth", False)
    assert failed.value.detail == f"HTTP 200: {error}; check {fix}"


async def test_a_wrong_token_is_an_auth_failure(slack_api: FakeSlack) -> None:
    slack = Slack(token="xoxb-wrong", signing_secret=SECRET, base_url=slack_api.base_url)
    with pytest.raises(DeliveryFailed) as failed:
        await slack.send(Outbound(ALICE, "hi"))
    assert (failed.value.reason, failed.value.permanent) == ("auth", False)  # the channel pauses
    assert failed.value.detail == "HTTP 200: invalid_auth; check SLACK_BOT_TOKEN"


async def test_429_is_rate_limited_with_retry_after(slack: Slack, slack_api: FakeSlack) -> None:
    slack_api.refuse("chat.postMessage", "ratelimited", status=429, retry_after="2")
    with pytest.raises(DeliveryFailed) as failed:
        await slack.send(Outbound(ALICE, "hi"))
    assert failed.value.reason == "rate_limited"
    assert not failed.value.permanent
    assert failed.value.retry_after == 2.0
    assert len(slack_api.called("chat.postMessage")) == 1  # no sleeping retry inside send()


@pytest.mark.parametrize("header", [None, "soon", "-3", "inf", "nan", "1e400"])
async def test_a_garbled_retry_after_is_ignored(
    slack: Slack, slack_api: FakeSlack, header: str | None
) -> None:
    slack_api.refuse("chat.postMessage", "ratelimited", status=429, retry_after=header)
    with pytest.raises(DeliveryFailed) as failed:
        await slack.send(Outbound(ALICE, "hi"))
    assert failed.value.reason == "rate_limited"
    assert failed.value.retry_after is None


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, "fatal_error"),
        (503, "service_unavailable"),
        (200, "internal_error"),
        (200, "something_new"),
    ],
)
async def test_server_errors_are_transient(
    slack: Slack, slack_api: FakeSlack, status: int, error: str
) -> None:
    slack_api.refuse("chat.postMessage", error, status=status)
    with pytest.raises(DeliveryFailed) as failed:
        await slack.send(Outbound(ALICE, "hi"))
    assert (failed.value.reason, failed.value.permanent) == ("transient", False)


async def test_a_network_failure_is_transient() -> None:
    slack = Slack(token=TOKEN, signing_secret=SECRET, base_url="http://127.0.0.1:9/api/")
    with pytest.raises(DeliveryFailed) as failed:
        await slack.send(Outbound(ALICE, "hi"))
    assert (failed.value.reason, failed.value.permanent) == ("transient", False)


async def test_start_learns_the_bot_identity(slack: Slack, slack_api: FakeSlack) -> None:
    await slack.start()
    assert (slack.identity.user_id, slack.identity.bot_id, slack.identity.team_id) == (
        BOT_USER,
        BOT_ID,
        TEAM,
    )


async def test_start_survives_a_failing_auth_test(slack: Slack, slack_api: FakeSlack) -> None:
    slack_api.refuse("auth.test", "invalid_auth")
    await slack.start()
    assert slack.identity.user_id is None
    unreachable = Slack(token=TOKEN, signing_secret=SECRET, base_url="http://127.0.0.1:9/api/")
    await unreachable.start()
    assert unreachable.identity.user_id is None


def test_from_settings_needs_the_token_and_the_secret() -> None:
    assert from_settings(Settings(slack_bot_token=TOKEN)) is None
    assert from_settings(Settings(slack_signing_secret=SECRET)) is None
    channel = from_settings(
        Settings(
            slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_base_url="http://x/api/"
        )
    )
    assert channel is not None and channel.name == "slack"
    assert channel.client.base_url == "http://x/api/"
    default = from_settings(Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET))
    assert default is not None and default.client.base_url == "https://slack.com/api/"


# ---- through the dispatcher ------------------------------------------------------------------


@pytest.fixture
async def harness(
    sqlite_url: str, clock: FakeClock, slack_api: FakeSlack
) -> AsyncIterator[SlackHarness]:
    opened = await SlackHarness.open(sqlite_url, clock, slack_api)
    yield opened
    await opened.close()


async def outbox_row(harness: SlackHarness) -> tuple[str, int, Any]:
    async with harness.bot.store.transaction() as tx:
        row = await tx.conn.fetchone("SELECT status, attempts, due_at FROM outbox")
    assert row is not None
    return row[0], row[1], row[2]


async def test_a_rate_limited_reply_waits_retry_after_and_then_goes(harness: SlackHarness) -> None:
    harness.fake.refuse("chat.postMessage", "ratelimited", status=429, retry_after="30")
    await harness.event(dm("LINK"))
    await harness.bot.dispatcher.dispatch_due()
    assert (await outbox_row(harness))[0] == "scheduled"  # refused, to be retried
    harness.clock.advance(timedelta(seconds=29))
    await harness.bot.dispatcher.dispatch_due()
    assert len(harness.fake.called("chat.postMessage")) == 1  # not before Retry-After
    harness.clock.advance(timedelta(seconds=3600))
    await harness.bot.dispatcher.dispatch_due()
    assert len(harness.fake.called("chat.postMessage")) == 2
    assert (await outbox_row(harness))[0] == "sent"


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel"])
async def test_a_permanent_refusal_is_not_retried(harness: SlackHarness, error: str) -> None:
    harness.fake.refuse("chat.postMessage", error)
    await harness.event(dm("LINK"))
    await harness.bot.dispatcher.dispatch_due()
    status, _, _ = await outbox_row(harness)
    assert status == "dead"
    harness.clock.advance(timedelta(days=2))
    await harness.bot.dispatcher.dispatch_due()
    assert len(harness.fake.called("chat.postMessage")) == 1


# ---- the 3-second ack ------------------------------------------------------------------------


class SlowInbox:
    """An inbox that records only when the test lets it."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.handled: list[Inbound] = []

    async def message(self, inbound: Inbound) -> object:
        await self.release.wait()
        self.handled.append(inbound)
        return None

    async def delivery_report(self, channel: str, provider_id: str, status: str) -> None:
        return None

    async def reachability(self, address: Address, *, reachable: bool) -> None:
        return None


async def test_slow_recording_does_not_delay_the_answer(slack_api: FakeSlack) -> None:
    # This test locked in an ack (200) for an event not yet recorded; issue 13 replaced that: an
    # event is acked only once recorded, else answered 503 so Slack delivers it again
    # (tests/channels/test_slack_ack.py). A slash command, which Slack never retries, is still
    # acked at the budget while its recording carries on.
    clock = FakeClock(NOW)
    slack = Slack(
        token=TOKEN,
        signing_secret=SECRET,
        base_url=slack_api.base_url,
        clock=clock,
        ack_budget=0.05,
    )
    inbox = SlowInbox()
    app = Starlette(routes=list(slack.routes(inbox)))
    now = int(NOW.timestamp())
    event = event_body(dm("LINK"))
    command = command_body("count")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        answers = []
        for body, kind in ((event, "application/json"), (command, FORM)):
            headers = {"Content-Type": kind, **sign(body, timestamp=now)}
            posted = http.post("/slack/events", content=body, headers=headers)
            answers.append(await asyncio.wait_for(posted, 5))
    assert [a.status_code for a in answers] == [503, 200]
    assert inbox.handled == []  # answered while the core was still busy
    inbox.release.set()
    await slack.stop()  # drains what is still being recorded
    assert [i.text for i in inbox.handled] == ["LINK", "COUNT"]


class FailingInbox(SlowInbox):
    async def message(self, inbound: Inbound) -> object:
        raise RuntimeError("database down")


async def test_a_core_failure_answers_500_so_slack_retries(slack_api: FakeSlack) -> None:
    clock = FakeClock(NOW)
    slack = Slack(token=TOKEN, signing_secret=SECRET, base_url=slack_api.base_url, clock=clock)
    app = Starlette(routes=list(slack.routes(FailingInbox())))
    body = event_body(dm("LINK"))
    headers = {"Content-Type": "application/json", **sign(body, timestamp=int(NOW.timestamp()))}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 500


def test_payloads_are_real_json() -> None:
    from tests.channels.fake_slack import PAYLOADS

    for path in PAYLOADS.glob("*.json"):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)


# ---- buttons out, clicks in ------------------------------------------------------------------


def test_every_button_we_render_is_a_click_we_accept() -> None:
    from bot.channels.slack_inbound import from_action
    from bot.channels.slack_outbound import blocks
    from tests.channels.fake_slack import payload

    buttons = tuple(Button(k.title(), k) for k in ("LINK", "COUNT", "TOP", "REWARDS", "HELP"))
    [actions] = [b for b in blocks(Outbound(ALICE, "menu", buttons)) if b["type"] == "actions"]
    for i, element in enumerate(actions["elements"]):
        body = payload("block_actions.json")
        body["actions"][0].update(
            action_id=element["action_id"], value=element["value"], action_ts=f"1795000001.{i:06d}"
        )
        inbound = from_action(body, now=NOW)
        assert inbound is not None and inbound.text == buttons[i].value
        assert inbound.sender == ALICE


def test_the_engines_menu_keywords_are_all_accepted_on_click() -> None:
    from bot.channels.slack_inbound import KEYWORDS
    from bot.flows.menu import _CHOICES

    assert set(_CHOICES) <= KEYWORDS
