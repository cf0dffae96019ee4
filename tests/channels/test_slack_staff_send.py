"""`Slack.send()` for staff messages: a card changed in place (chat.update), an answer in a
thread, a note only the clicker sees (chat.postEphemeral), Slack markup kept, and staff
buttons with their own action ids. Also the outbox keeps all of it across a restart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.channels.slack import Slack
from bot.core.channel import DeliveryFailed
from bot.core.messages import Address, Button, Outbound
from bot.core.store import Store
from tests.channels.fake_slack import DM, SECRET, TOKEN, FakeSlack

AM = Address("slack", "U0AM")
CHANNEL = "C0NOTIFY"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
def slack(slack_api: FakeSlack) -> Slack:
    return Slack(token=TOKEN, signing_secret=SECRET, base_url=slack_api.base_url)


async def test_a_card_with_markup_and_staff_buttons(slack: Slack, slack_api: FakeSlack) -> None:
    card = Outbound(
        Address("slack", CHANNEL),
        "*New referral* by <@U0ANN> & friends",
        (
            Button("Approve", "17", "staff_reward_approve"),
            Button("Void", "17", "staff_reward_void"),
        ),
        reply_to=CHANNEL,
        markup=True,
    )
    ts = await slack.send(card)
    [body] = slack_api.posted
    assert body["text"] == "*New referral* by <@U0ANN> & friends"  # not escaped
    assert body["blocks"][0]["text"]["text"] == body["text"]
    assert [(e["action_id"], e["value"]) for e in body["blocks"][1]["elements"]] == [
        ("staff_reward_approve", "17"),
        ("staff_reward_void", "17"),
    ]
    assert "thread_ts" not in body
    assert ts is not None and (CHANNEL, ts) in slack_api.messages


async def test_an_edit_replaces_the_message_and_its_buttons(
    slack: Slack, slack_api: FakeSlack
) -> None:
    ts = await slack.send(
        Outbound(Address("slack", CHANNEL), "held", (Button("Approve", "1", "staff_x"),), CHANNEL)
    )
    assert ts is not None
    edited = await slack.send(
        Outbound(Address("slack", CHANNEL), "approved", reply_to=CHANNEL, edit_of=ts, markup=True)
    )
    assert edited == ts
    [update] = slack_api.called("chat.update")
    assert (update.body["channel"], update.body["ts"], update.body["text"]) == (
        CHANNEL,
        ts,
        "approved",
    )
    assert slack_api.messages[(CHANNEL, ts)]["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "approved"}}
    ]  # the buttons are gone


async def test_a_thread_reply_and_an_ephemeral_note(slack: Slack, slack_api: FakeSlack) -> None:
    await slack.send(Outbound(AM, "queued", reply_to=DM, thread="1795000000.000001", markup=True))
    assert slack_api.posted[0]["thread_ts"] == "1795000000.000001"
    assert slack_api.posted[0]["channel"] == DM
    note = await slack.send(Outbound(AM, "nothing changed", reply_to=CHANNEL, ephemeral=True))
    [call] = slack_api.called("chat.postEphemeral")
    assert (call.body["channel"], call.body["user"], call.body["text"]) == (
        CHANNEL,
        "U0AM",
        "nothing changed",
    )
    assert note is not None


async def test_an_edit_of_a_message_gone_is_not_retried(slack: Slack, slack_api: FakeSlack) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        await slack.send(Outbound(AM, "x", reply_to=CHANNEL, edit_of="1.2"))
    assert failed.value.permanent
    slack_api.refuse("chat.postEphemeral", "user_not_in_channel")
    with pytest.raises(DeliveryFailed) as failed:
        await slack.send(Outbound(AM, "x", reply_to=CHANNEL, ephemeral=True))
    assert failed.value.permanent


async def test_the_outbox_keeps_what_a_staff_message_is(store: Store) -> None:
    message = Outbound(
        AM,
        "card",
        (Button("Send", "3", "staff_ask_send"), Button("Link", "LINK")),
        reply_to=DM,
        edit_of="1795.1",
        thread="1795.0",
        ephemeral=True,
        markup=True,
    )
    async with store.transaction() as tx:
        row_id = await tx.outbox.enqueue(message, kind="staff", due_at=NOW, at=NOW)
        assert row_id is not None
        row = await tx.outbox.get(row_id)
    assert row is not None
    assert (row.buttons, row.edit_of, row.thread, row.ephemeral, row.markup) == (
        message.buttons,
        "1795.1",
        "1795.0",
        True,
        True,
    )
