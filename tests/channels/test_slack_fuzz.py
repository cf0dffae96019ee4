"""Signed payloads of every odd shape: Bolt indexes into them without checking, so whatever
passes the signature must still never answer 500 (PLATFORMS.md D, general rule)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.slack_inbound import from_action, from_command, from_event, plain_text
from bot.core.clock import FakeClock
from tests.channels.fake_slack import FORM, FakeSlack, SlackHarness

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def field(*plausible: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(plausible) | anything


event = st.fixed_dictionaries(
    {},
    optional={
        "type": field("message", "app_mention", "reaction_added"),
        "user": field("U0ALICE", "U0BOT"),
        "bot_id": field(None, "B0BOT"),
        "subtype": field(None, "bot_message", "message_changed", "file_share"),
        "channel": field("D0ALICE", "C0GENERAL"),
        "channel_type": field("im", "channel"),
        "text": field("LINK", "<@U0BOT> count", "&lt;&gt;", "<@U0BOT|bot> <#C1|x>"),
        "ts": field("1795000000.000100"),
        "files": field([{"id": "F1"}], []),
        "team": field("T0TEAM"),
    },
)
action = st.fixed_dictionaries(
    {"action_id": field("referral_keyword_0", "other")},
    optional={"value": field("LINK", "{}"), "action_ts": field("1795000001.1")},
)
envelope = st.fixed_dictionaries(
    {"type": field("event_callback", "block_actions", "url_verification", "view_submission")},
    optional={
        "event": event | anything,
        "event_id": field("Ev1"),
        "team_id": field("T0TEAM"),
        "challenge": field("abc"),
        "authorizations": field([{"user_id": "U0BOT", "is_bot": True}], []),
        "user": field({"id": "U0ALICE", "team_id": "T0TEAM"}, "U0ALICE"),
        "team": field({"id": "T0TEAM"}, "T0TEAM", None),
        "enterprise": field(None, {"id": "E1"}, "E1"),
        "actions": st.lists(action, max_size=2) | anything,
        "container": field({"channel_id": "D0ALICE"}),
        "is_ext_shared_channel": field(True, False),
    },
)
command = st.fixed_dictionaries(
    {
        "command": st.sampled_from(["/referrals", "/other"]),
        "user_id": st.just("U0ALICE"),
        "team_id": st.just("T0TEAM"),
    },
    optional={
        "text": st.text(max_size=50),
        "trigger_id": st.text(max_size=10),
        "user_name": st.text(max_size=10),
        "enterprise_id": st.text(max_size=3),
    },
)


@pytest.fixture
async def harness(
    sqlite_url: str, clock: FakeClock, slack_api: FakeSlack
) -> AsyncIterator[SlackHarness]:
    opened = await SlackHarness.open(sqlite_url, clock, slack_api)
    yield opened
    await opened.close()


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(body=envelope)
async def test_signed_events_and_actions_never_crash(harness: SlackHarness, body: Any) -> None:
    if body["type"] == "block_actions" and isinstance(body.get("actions"), list):
        content, content_type = urlencode({"payload": json.dumps(body)}).encode(), FORM
    else:
        content, content_type = json.dumps(body).encode(), "application/json"
    response = await harness.post(content, content_type=content_type)
    assert response.status_code < 500, (response.status_code, response.text)


@FUZZ
@given(body=command)
async def test_signed_slash_commands_never_crash(harness: SlackHarness, body: Any) -> None:
    response = await harness.post(urlencode(body).encode(), content_type=FORM)
    assert response.status_code < 500, (response.status_code, response.text)


@settings(max_examples=300)
@given(body=envelope | command | anything)
def test_translation_takes_any_shape(body: Any) -> None:
    from datetime import UTC, datetime

    from bot.channels.slack_inbound import BotIdentity

    if not isinstance(body, dict):
        return
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for inbound in (
        from_event(body, bot=BotIdentity("U0BOT"), now=now),
        from_command(body, now=now),
        from_action(body, now=now),
    ):
        if inbound is not None:
            assert inbound.sender.channel == "slack" and inbound.event_id


@given(text=st.text())
def test_plain_text_takes_any_text(text: str) -> None:
    assert isinstance(plain_text(text), str)
