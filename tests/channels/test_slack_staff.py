"""The seam for the account manager's commands: extra Bolt listeners, registered ahead of the
customer ones, take their subcommands and buttons without touching the customer path."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.channels.slack_staff import click_of, command_of, reply_of
from bot.core.clock import FakeClock
from bot.staff.requests import REWARD_APPROVE
from tests.channels.fake_slack import FakeSlack, SlackHarness, payload

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


def test_a_staff_request_from_a_4kb_user_or_channel_id_is_none_of_ours() -> None:
    huge = "U" + secrets.token_hex(2000)  # two of these made an address no index could hold
    command = {"user_id": "U0REVIEW", "trigger_id": "1795.1.abc", "text": "clients"}
    click = payload("block_actions.json")
    click["actions"][0].update(action_id=REWARD_APPROVE, value="17")
    thread = {"type": "message", "channel_type": "im", "user": "U0REVIEW", "channel": "D0REV"}
    thread |= {"ts": "1795000000.000200", "thread_ts": "1795000000.000100", "text": "new words"}
    assert command_of(command) is not None and click_of(click) is not None
    assert reply_of({"event": thread}) is not None
    assert command_of(command | {"user_id": huge}) is None
    assert click_of(click | {"user": {"id": huge}}) is None
    assert click_of(click | {"container": {"channel_id": huge}, "channel": {}}) is None
    assert reply_of({"event": thread | {"user": huge}}) is None
    assert reply_of({"event": thread | {"channel": huge}}) is None
