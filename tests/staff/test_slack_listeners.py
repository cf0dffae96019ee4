"""The Slack glue for staff: wired by `app.py`, strict about what it accepts, and out of the way
of customers."""

from __future__ import annotations

import itertools
import json
import time
from urllib.parse import urlencode

import httpx

from bot.app import build, channels_from_settings
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address
from bot.core.store import Store
from bot.staff.requests import ASK_SEND
from bot.web import create_app
from tests.channels.fake_slack import FORM, SECRET, TOKEN, FakeSlack, command_body, payload, sign
from tests.staff.kit import MANAGER, REVIEWER, Rig, buttons, dm_of


async def test_app_wires_the_staff_commands_into_slack(
    store: Store, clock: FakeClock, slack_api: FakeSlack
) -> None:
    settings = Settings(
        database_url=store.db.url,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_base_url=slack_api.base_url,
        slack_staff_users=f"{REVIEWER}=rev@acme.test",
        slack_notify_channel="C0NOTIFY",
    )
    bot = await build(settings, channels=channels_from_settings(settings), clock=clock, store=store)
    assert bot.context.staff.reviewers == {REVIEWER}
    assert bot.context.staff.notify_channel == "C0NOTIFY"
    transport = httpx.ASGITransport(app=create_app(bot, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://ref.example") as http:
        body = command_body("clients", user_id=REVIEWER)
        # This Slack checks signatures on the system clock, as in production.
        headers = {"Content-Type": FORM, **sign(body, timestamp=int(time.time()))}
        response = await http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    assert response.text.startswith("B2B clients: none.")


CLICKS = itertools.count(1)


async def staff_click(rig: Rig, action: object, value: object, *, nowhere: bool = False) -> int:
    body = payload("block_actions.json")
    body["user"]["id"] = MANAGER
    if nowhere:  # no message to act on
        del body["container"], body["channel"], body["message"]
    action_ts = f"1795000001.{next(CLICKS):06d}"
    body["actions"][0].update(action_id=action, value=value, action_ts=action_ts)
    raw = urlencode({"payload": json.dumps(body)}).encode()
    headers = {"Content-Type": FORM, **sign(raw, timestamp=int(rig.clock.now().timestamp()))}
    response = await rig.http.post("/slack/events", content=raw, headers=headers)
    return response.status_code


async def test_clicks_we_never_offered_change_nothing(rig: Rig) -> None:
    await rig.client(Address("sms", "+14155550101"), name="Ann", company="Acme Corp")
    await rig.command("nudge acme", user=MANAGER)
    for value in ("1; DROP TABLE staff_asks", "-1", "9" * 40, '{"id": 1}', 1):
        assert await staff_click(rig, ASK_SEND, value) == 200
    assert await staff_click(rig, "staff_launch_rockets", "1") == 200
    assert await staff_click(rig, ASK_SEND, "1", nowhere=True) == 200
    assert await staff_click(rig, ASK_SEND, "999") == 200  # no such draft: told so
    await rig.flush()
    assert rig.ephemeral(MANAGER) == ["That draft doesn't exist any more; nothing changed."]
    async with rig.bot.store.transaction() as tx:
        assert await tx.conn.fetchval("SELECT status FROM staff_asks") == "draft"


async def test_a_command_delivered_twice_drafts_once(rig: Rig) -> None:
    await rig.client(Address("sms", "+14155550101"), name="Ann", company="Acme Corp")
    body = command_body("nudge acme", trigger_id="1795.9.same", user_id=MANAGER)
    headers = {"Content-Type": FORM, **sign(body, timestamp=int(rig.clock.now().timestamp()))}
    first = await rig.http.post("/slack/events", content=body, headers=headers)
    second = await rig.http.post("/slack/events", content=body, headers=headers)
    assert first.text.startswith("Drafted an ask") and second.text == ""
    await rig.flush()
    assert len(rig.posted(dm_of(MANAGER))) == 1


async def test_a_customers_thread_reply_is_still_a_customer_message(rig: Rig) -> None:
    await rig.say("U0CUSTOMER", "LINK")
    await rig.flush()
    [reply] = rig.posted(dm_of("U0CUSTOMER"))
    await rig.say("U0CUSTOMER", "how many friends have I referred?", thread=reply["ts"])
    await rig.flush()
    answer = rig.posted(dm_of("U0CUSTOMER"))[-1]
    assert answer["text"].startswith("You haven't referred anyone yet")


async def test_a_draft_thread_reply_by_someone_else_changes_nothing(rig: Rig) -> None:
    await rig.client(Address("sms", "+14155550101"), name="Ann", company="Acme Corp")
    await rig.command("nudge acme", user=MANAGER)
    await rig.flush()
    [card] = rig.posted(dm_of(MANAGER))
    before = card["text"]
    await rig.say("U0INTRUDER", "send it now", thread=card["ts"])
    await rig.flush()
    assert rig.fake.messages[(card["channel"], card["ts"])]["text"] == before
    assert buttons(card) != []
    assert rig.thread(dm_of("U0INTRUDER"), card["ts"]) == [
        f"This draft is <@{MANAGER}>'s to decide; nothing changed."
    ]
