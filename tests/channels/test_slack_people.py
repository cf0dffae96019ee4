"""A Slack DM names no one: the bot asks users.info who wrote, so a friend who joins is named on
the referrer's thank-you, and kept with their time zone and language."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.channels.slack_people import person_of
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.store.records import Participant
from tests.channels.fake_slack import PAYLOADS, TEAM, SlackHarness, dm, section_text

BOB = "U0BOB"


def bob_as_slack_knows_him() -> dict[str, Any]:
    user: dict[str, Any] = json.loads((PAYLOADS / "users_info.json").read_text())["user"]
    return user


async def person(slack: SlackHarness, user: str) -> Participant:
    async with slack.bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("slack", f"{TEAM}:{user}"))
    assert found is not None
    return found[0]


async def alice_code(slack: SlackHarness) -> str:
    await slack.event(dm("LINK"), event_id="Ev1")
    await slack.replies()
    return (await person(slack, "U0ALICE")).code


async def bob_joins(slack: SlackHarness, code: str, *, ts: str = "1795000000.000900") -> None:
    friend = dm(f"JOIN {code}", user=BOB, channel="D0BOB", ts=ts)
    assert (await slack.event(friend, event_id=f"Ev{ts}")).status_code == 200


async def test_a_friend_who_joins_in_a_dm_is_named_on_the_thank_you(
    slack: SlackHarness,
) -> None:
    slack.fake.people[BOB] = bob_as_slack_knows_him()
    await bob_joins(slack, await alice_code(slack))
    posted = await slack.replies()
    thanks = [p for p in posted if p["channel"] == "D0ALICE"]
    assert [section_text(p) for p in thanks] == [
        "Thank you! Bobby just joined with your link. That's 1 friend so far."
    ]
    bob = await person(slack, BOB)
    assert (bob.display_name, bob.time_zone, bob.lang) == ("Bobby", "America/Los_Angeles", "ko")
    [asked] = slack.fake.called("users.info")[-1:]
    assert asked.body["user"] == BOB


async def test_without_users_read_the_friend_still_joins_unnamed(slack: SlackHarness) -> None:
    slack.fake.people[BOB] = bob_as_slack_knows_him()
    slack.fake.refuse("users.info", "missing_scope")
    code = await alice_code(slack)  # Alice's lookup is the refused one: then no more asking
    await bob_joins(slack, code)
    posted = await slack.replies()
    thanks = [section_text(p) for p in posted if p["channel"] == "D0ALICE"]
    assert thanks == ["Thank you! A friend just joined with your link. That's 1 friend so far."]
    assert (await person(slack, BOB)).display_name == ""
    assert len(slack.fake.called("users.info")) == 1


async def test_a_name_slack_could_not_give_at_first_is_kept_when_it_can(
    slack: SlackHarness, clock: FakeClock
) -> None:
    slack.fake.refuse("users.info", "ratelimited", status=429, retry_after="30")
    await slack.event(dm("how many friends have I referred?", user=BOB, channel="D0BOB"))
    assert (await person(slack, BOB)).display_name == ""
    slack.fake.people[BOB] = bob_as_slack_knows_him()
    clock.advance(timedelta(seconds=31))  # Slack's Retry-After has passed
    later = dm("LINK", user=BOB, channel="D0BOB", ts="1795000031.000100")
    await slack.event(later, event_id="Ev2")
    assert (await person(slack, BOB)).display_name == "Bobby"


async def test_a_dm_is_answered_unnamed_while_slack_is_slow_to_say_who_wrote(
    slack: SlackHarness,
) -> None:
    slack.fake.people[BOB] = bob_as_slack_knows_him()
    slack.fake.stalls["users.info"] = 1.5  # past the second the lookup may take
    response = await slack.event(dm("LINK", user=BOB, channel="D0BOB"))
    assert response.status_code == 200  # recorded and acknowledged, not 503
    [reply] = await slack.replies()
    assert section_text(reply).startswith("Here's your personal link: https://ref.example/r/")
    assert (await person(slack, BOB)).display_name == ""


async def test_each_person_is_asked_about_once(slack: SlackHarness) -> None:
    slack.fake.people[BOB] = bob_as_slack_knows_him()
    for i, text in enumerate(["hi", "LINK", "how many friends have I referred?"]):
        message = dm(text, user=BOB, channel="D0BOB", ts=f"17950000{i}0.000100")
        await slack.event(message, event_id=f"Ev{i}")
    assert len(slack.fake.called("users.info")) == 1


def test_the_name_is_the_one_slack_shows() -> None:
    bob = bob_as_slack_knows_him()
    assert person_of(bob) is not None
    assert person_of({**bob, "profile": {**bob["profile"], "display_name": ""}}) == person_of(
        {**bob, "profile": {**bob["profile"], "display_name": "Bob Lee"}}
    )
    unnamed = person_of({"id": BOB, "name": "bob.lee", "tz": "Mars/Olympus", "locale": "xx"})
    assert unnamed is not None
    assert (unnamed.name, unnamed.time_zone, unnamed.lang) == ("bob.lee", None, None)
    hostile = person_of({"profile": {"display_name": "\u202eevil\u0000 name"}})
    assert hostile is not None and hostile.name == "evil name"
    assert person_of("not a user") is None
