"""Transcripts over the real route: a signed request in, the dispatcher runs, the slack_api Slack
receives the reply."""

from __future__ import annotations

import json

import pytest

from bot.core.messages import Address
from bot.core.qr import qr_png
from tests.channels.fake_slack import (
    BOT_USER,
    DM,
    TEAM,
    TOKEN,
    USER,
    SlackHarness,
    button_values,
    dm,
    mention,
    payload,
    section_text,
)


async def link_of(slack: SlackHarness, user: str = USER) -> str:
    async with slack.bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("slack", f"{TEAM}:{user}"))
    assert found is not None
    return f"https://ref.example/r/{found[0].code}"


async def test_a_dm_asking_for_the_count_gets_it_with_buttons(slack: SlackHarness) -> None:
    response = await slack.event(dm("how many friends have I referred?"))
    assert response.status_code == 200
    [reply] = await slack.replies()
    assert reply["channel"] == DM  # answered in the DM it came from
    link = await link_of(slack)
    expected = slack.bot.catalogs.text("en", "count.none", link=link)
    assert section_text(reply) == expected.replace("&", "&amp;")
    assert reply["text"] == expected.replace("&", "&amp;")
    assert button_values(reply) == ["LINK", "TOP"]
    call = slack.fake.called("chat.postMessage")[0]
    assert call.authorization == f"Bearer {TOKEN}"
    assert call.content_type == "application/json"


async def test_the_count_after_a_friend_joined(slack: SlackHarness) -> None:
    await slack.event(dm("LINK"), event_id="Ev1")
    await slack.replies()
    code = (await link_of(slack)).rsplit("/", 1)[1]
    friend = dm(f"JOIN {code}", user="U0BOB", channel="D0BOB", ts="1795000000.000900")
    await slack.event(friend, event_id="Ev2")
    await slack.replies()
    await slack.event(
        dm("how many friends have I referred?", ts="1795000001.000100"), event_id="Ev3"
    )
    [reply] = await slack.replies()
    assert section_text(reply).startswith(slack.bot.catalogs.text("en", "count.total", count=1))


async def test_slash_referrals_count_works(slack: SlackHarness) -> None:
    response = await slack.command("count")
    assert response.status_code == 200
    assert response.text == ""  # an empty ack: the answer comes as a DM
    [reply] = await slack.replies()
    assert reply["channel"] == USER  # a user id as channel: Slack posts in the app's DM
    link = await link_of(slack)
    assert link in section_text(reply)
    assert button_values(reply) == ["LINK", "TOP"]


@pytest.mark.parametrize(
    ("text", "buttons"),
    [
        ("link", ["COUNT", "TOP"]),
        ("LINK", ["COUNT", "TOP"]),
        (" count ", ["LINK", "TOP"]),
        ("help", ["LINK", "COUNT", "TOP", "REWARDS"]),
        ("", ["LINK", "COUNT", "TOP", "REWARDS"]),  # empty text asks for help
        ("how many friends have I referred?", ["LINK", "TOP"]),  # free text goes to the engine
    ],
)
async def test_slash_subcommands_read_as_keywords(
    slack: SlackHarness, text: str, buttons: list[str]
) -> None:
    assert (await slack.command(text)).status_code == 200
    [reply] = await slack.replies()
    assert button_values(reply) == buttons


@pytest.mark.parametrize(
    ("text", "key"), [("top", "leaderboard.empty"), ("rewards", "rewards.empty")]
)
async def test_slash_top_and_rewards(slack: SlackHarness, text: str, key: str) -> None:
    await slack.command(text)
    [reply] = await slack.replies()
    assert section_text(reply) == slack.bot.catalogs.text("en", key).replace("&", "&amp;")


async def test_clicking_the_link_button_gets_the_link(slack: SlackHarness) -> None:
    await slack.event(dm("how many friends have I referred?"))
    [counted] = await slack.replies()
    assert "LINK" in button_values(counted)
    response = await slack.click("LINK")
    assert response.status_code == 200
    [reply] = await slack.replies()
    link = await link_of(slack)
    assert link in section_text(reply)
    assert reply["channel"] == DM  # where they first wrote to us


async def test_a_mention_is_answered_in_the_dm_without_the_mention(slack: SlackHarness) -> None:
    response = await slack.event(mention(f"<@{BOT_USER}> send me my referral link"))
    assert response.status_code == 200
    [reply] = await slack.replies()
    assert await link_of(slack) in section_text(reply)
    assert reply["channel"] == USER  # not in #general: the app's DM


async def test_a_bare_mention_gets_help(slack: SlackHarness) -> None:
    await slack.event(mention(f"<@{BOT_USER}>"))
    [reply] = await slack.replies()
    assert set(button_values(reply)) >= {"LINK", "COUNT"}


async def test_a_dm_that_mentions_the_bot_is_answered_once(slack: SlackHarness) -> None:
    # Slack delivers it twice: as message.im and as app_mention, with two event ids.
    text = f"<@{BOT_USER}> LINK"
    await slack.event(dm(text, ts="1795000000.000500"), event_id="EvA")
    await slack.event(mention(text, ts="1795000000.000500", channel=DM), event_id="EvB")
    assert len(await slack.replies()) == 1


async def test_url_verification_echoes_the_challenge(slack: SlackHarness) -> None:
    import json

    body = payload("url_verification.json")
    body["challenge"] = "3eZb<&>\"'\\ /é😀\u202e"
    response = await slack.post(json.dumps(body).encode())
    assert response.status_code == 200
    assert response.json() == {"challenge": body["challenge"]}
    assert await slack.untouched()


async def test_slack_link_reply_has_a_block_to_copy_and_a_qr_upload(slack: SlackHarness) -> None:
    await slack.event(dm("LINK"))
    [reply] = await slack.replies()
    async with slack.bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("slack", f"{TEAM}:{USER}"))
    assert found is not None
    link = f"https://ref.example/r/{found[0].code}"
    blocks = reply["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    [copy] = [b for b in blocks if b["type"] == "rich_text"]
    assert copy["elements"][0]["elements"][0]["text"] == "Share"
    assert copy["elements"][1] == {
        "type": "rich_text_preformatted",
        "elements": [{"type": "text", "text": link}],
    }
    [shared] = slack.fake.shared_files
    assert shared["channel_id"].startswith("D")
    [(file_id, png)] = slack.fake.uploads.items()
    assert shared["files"][0]["id"] == file_id
    assert png == qr_png(link)
