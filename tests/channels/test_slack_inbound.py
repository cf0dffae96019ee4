"""Reading what a Slack user wrote: Slack's markup, mentions of the bot, and who to answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.channels.slack_inbound import BotIdentity, from_command, from_event, plain_text
from bot.core.messages import Profile
from tests.channels.fake_slack import BOT_USER, DM, TEAM, USER, dm, mention, payload

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("LINK", "LINK"),
        ("<@U123|ann> and <@U456>", "@ann and @U456"),
        ("<#C1|general> <#C2>", "#general #C2"),
        ("<!here> <!channel> <!subteam^S1|@devs>", "@here @channel @devs"),
        ("<https://x.example/a?b=1&amp;c=2|my site> <mailto:a@b.c>", "my site mailto:a@b.c"),
        ("&lt;b&gt; &amp;amp; 😀 مرحبا", "<b> &amp; 😀 مرحبا"),
        ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
        ("a < b > c", "a < b > c"),
    ],
)
def test_plain_text(slack: str, plain: str) -> None:
    assert plain_text(slack) == plain


def envelope(event: dict[str, object]) -> dict[str, object]:
    body = payload("message_im.json")
    body["event"] = event
    return body


def test_a_dm_is_answered_in_its_channel() -> None:
    inbound = from_event(envelope(dm("LINK")), bot=BotIdentity(BOT_USER), now=NOW)
    assert inbound is not None
    assert inbound.sender.id == f"{TEAM}:{USER}"
    assert inbound.profile == Profile(reply_to=DM)
    assert inbound.event_id == f"message:{DM}:1795000000.000100"


@pytest.mark.parametrize("known", [BOT_USER, None])
def test_the_bot_mention_is_stripped(known: str | None) -> None:
    # Without auth.test, the bot's user id is read from the envelope's authorizations.
    event = mention(f"<@{BOT_USER}> count <@U0BOB|bob>")
    inbound = from_event(envelope(event), bot=BotIdentity(known), now=NOW)
    assert inbound is not None
    assert inbound.text == "count @bob"
    assert inbound.profile == Profile(reply_to=USER)


def test_a_mention_with_nobody_known_strips_the_leading_one() -> None:
    body = envelope(mention("<@U0SOMEBOT> LINK"))
    body["authorizations"] = []
    inbound = from_event(body, bot=BotIdentity(), now=NOW)
    assert inbound is not None and inbound.text == "LINK"


def test_a_file_without_words_is_media_only() -> None:
    event = dm("", subtype="file_share", files=[{"id": "F1", "name": "x.png"}])
    inbound = from_event(envelope(event), bot=BotIdentity(BOT_USER), now=NOW)
    assert inbound is not None and inbound.profile.media_only is True


def test_a_slash_command_carries_the_username_and_answers_in_the_app_dm() -> None:
    inbound = from_command(payload("slash_command.json"), now=NOW)
    assert inbound is not None
    assert inbound.text == "COUNT"
    assert inbound.profile == Profile(reply_to=USER, name="alice")
    assert inbound.event_id.startswith("command:")
