"""The seam for the account manager's commands: extra Bolt listeners, registered ahead of the
customer ones, take their subcommands and buttons without touching the customer path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.core.clock import FakeClock
from tests.channels.fake_slack import FakeSlack, SlackHarness

seen: list[str] = []


def staff_commands(bolt: AsyncApp) -> None:
    async def is_clients(body: dict[str, Any]) -> bool:
        return str(body.get("text", "")).strip().startswith("clients")

    async def clients(ack: AsyncAck, body: dict[str, Any]) -> None:
        seen.append(body["text"])
        await ack(text="3 clients")

    async def approve(ack: AsyncAck, body: dict[str, Any]) -> None:
        seen.append(body["actions"][0]["value"])
        await ack()

    bolt.command("/referrals", matchers=[is_clients])(clients)
    bolt.action("reward_approve")(approve)


@pytest.fixture
async def slack(
    sqlite_url: str, clock: FakeClock, slack_api: FakeSlack
) -> AsyncIterator[SlackHarness]:
    harness = await SlackHarness.open(sqlite_url, clock, slack_api, staff=[staff_commands])
    seen.clear()
    yield harness
    await harness.close()


async def test_a_staff_subcommand_goes_to_the_staff_listener(slack: SlackHarness) -> None:
    response = await slack.command("clients acme")
    assert (response.status_code, response.text) == (200, "3 clients")
    assert seen == ["clients acme"]
    assert await slack.untouched()  # the customer path never saw it


async def test_customer_subcommands_still_reach_the_engine(slack: SlackHarness) -> None:
    assert (await slack.command("count")).status_code == 200
    assert len(await slack.replies()) == 1
    assert seen == []


async def test_a_staff_button_goes_to_the_staff_listener(slack: SlackHarness) -> None:
    response = await slack.click("ledger-17", action_id="reward_approve")
    assert response.status_code == 200
    assert seen == ["ledger-17"]
    assert await slack.untouched()
