"""The bot as `app.py` wires it, with Slack on the loopback fake, staff listeners in place, and
collecting SMS and Telegram channels for the clients: requests go in signed, replies come out
of the dispatcher."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.app import ReferralBot, build
from bot.channels.slack import Slack
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address
from bot.core.store import Store
from bot.core.store.records import Participant
from bot.services.sweeps import Sweeps
from bot.web import create_app
from tests.channels.fake_slack import (
    FORM,
    JSON,
    SECRET,
    TEAM,
    TOKEN,
    FakeSlack,
    command_body,
    dm,
    event_body,
    payload,
    sign,
)
from tests.fakes import CollectingChannel
from tests.flows.rewards_kit import program_file

REVIEWER = "U0REV"  # named in SLACK_STAFF_USERS
MANAGER = "U0AM"  # Acme's account manager, named by the import
OTHER_MANAGER = "U0AM2"
NOBODY = "U0NOBODY"  # a colleague who is neither
NOTIFY = "C0NOTIFY"
# Monday 23 November 2026, 15:00 UTC: 07:00 in California, midnight in Seoul.
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

PROGRAM = """
[program]
name = "Acme referrals"
landing_url = "https://acme.example/welcome"
qualifying_event = "signup"
hold_days = 0
default_time_zone = "UTC"
max_proactive_per_week = 3
phone_region = "KR"  # numbers written without +country are Korean (imports, nudges)

[[rewards]]
id = "referrer-cash"
side = "referrer"
unit = "money"
currency = "USD"
amounts = [{ amount = 20 }]

[[rewards]]
id = "friend-cash"
side = "friend"
unit = "money"
currency = "USD"
amounts = [{ amount = 20 }]

[fraud]
signups_per_code_per_hour = 1  # a second signup for one code within the hour is held

[reminders]
b2b_min_relationship_days = 90
b2b_ask_interval_days = 30

# The brand's own voice for Korean clients' asks.
[messages.ko]
"ask.b2b" = "{name}님, 늘 함께해 주셔서 고맙습니다. 저희를 소개해 주실 팀이 있을까요? {link}"
"""


def dm_of(user: str) -> str:
    """The app's DM with a user, as the fake names it."""
    return "D" + user[1:]


@dataclass
class Rig:
    bot: ReferralBot
    fake: FakeSlack
    clock: FakeClock
    http: httpx.AsyncClient
    sms: CollectingChannel
    telegram: CollectingChannel
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    async def open(
        cls,
        store: Store,
        clock: FakeClock,
        fake: FakeSlack,
        folder: Path,
        *,
        staff: str,
        without: tuple[str, ...] = (),
    ) -> Rig:
        """`without`: channels this deployment does not run (SMS with no Twilio account)."""
        program = program_file(folder, PROGRAM)
        settings = Settings(
            database_url=store.db.url,
            public_base_url="https://ref.example",
            referral_program=str(program),
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_base_url=fake.base_url,
            slack_staff_users=staff,
            slack_notify_channel=NOTIFY,
        )
        slack = Slack(
            token=TOKEN,
            signing_secret=SECRET,
            base_url=fake.base_url,
            clock=clock,
        )
        sms, telegram = CollectingChannel("sms"), CollectingChannel("telegram")
        running = [c for c in (slack, sms, telegram) if c.name not in without]
        bot = await build(settings, channels=running, clock=clock, store=store)
        transport = httpx.ASGITransport(app=create_app(bot, run_background=False))
        http = httpx.AsyncClient(transport=transport, base_url="https://ref.example")
        return cls(bot, fake, clock, http, sms, telegram)

    async def close(self) -> None:
        await self.http.aclose()

    async def _post(self, body: bytes, content_type: str) -> httpx.Response:
        headers = {"Content-Type": content_type, **sign(body, timestamp=self._now())}
        return await self.http.post("/slack/events", content=body, headers=headers)

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    async def command(self, text: str, *, user: str) -> httpx.Response:
        """`/referrals <text>` typed by `user` in a shared channel."""
        body = command_body(text, trigger_id=f"1795.{next(self._ids)}.abc", user_id=user)
        return await self._post(body, FORM)

    async def click(
        self, action_id: str, value: str, *, user: str, on: dict[str, Any], action_ts: str = ""
    ) -> httpx.Response:
        """`user` clicks a button on the message `on` (as `posted` returns it)."""
        body = payload("block_actions.json")
        body["user"].update(id=user, username=user.lower(), name=user.lower())
        body["container"].update(channel_id=on["channel"], message_ts=on["ts"])
        body["channel"]["id"] = on["channel"]
        body["message"].update(ts=on["ts"], text=on["text"], blocks=on["blocks"])
        action_ts = action_ts or f"1795000100.{next(self._ids):06d}"
        body["actions"] = [
            {"action_id": action_id, "block_id": "a1", "type": "button", "value": value,
             "action_ts": action_ts, "text": {"type": "plain_text", "text": action_id}}
        ]  # fmt: skip
        return await self._post(urlencode({"payload": json.dumps(body)}).encode(), FORM)

    async def say(self, user: str, text: str, *, thread: str | None = None) -> httpx.Response:
        """`user` writes in their DM with the app (in a thread, with `thread`)."""
        n = next(self._ids)
        ts = f"1795000200.{n:06d}"
        extra = {"thread_ts": thread} if thread else {}
        event = dm(text, ts=ts, user=user, channel=dm_of(user), **extra)
        return await self._post(event_body(event, event_id=f"Ev{n:05d}"), JSON)

    async def flush(self) -> None:
        await self.bot.dispatcher.dispatch_due()

    def sweeps(self) -> Sweeps:
        """The periodic jobs, as the worker's clock runs them."""
        return self.bot.sweeps

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """The messages in a conversation, as they read now (updates applied), oldest first."""
        found = [
            {"channel": where, "ts": ts, **message}
            for (where, ts), message in self.fake.messages.items()
            if where == channel
        ]
        return sorted(found, key=lambda m: m["ts"])

    def thread(self, channel: str, ts: str) -> list[str]:
        return [
            body["text"]
            for body in self.fake.posted
            if body.get("thread_ts") == ts and body["channel"] in (channel, "U" + channel[1:])
        ]

    def ephemeral(self, user: str) -> list[str]:
        return [
            c.body["text"] for c in self.fake.called("chat.postEphemeral") if c.body["user"] == user
        ]

    async def client(
        self,
        address: Address,
        *,
        name: str,
        company: str,
        manager: str = MANAGER,
        days: int = 400,
        lang: str = "en",
        zone: str | None = None,
    ) -> Participant:
        """A B2B client as the customer import leaves them, a customer for `days` days."""
        now = self.clock.now()
        async with self.bot.store.transaction() as tx:
            p = await tx.participants.create(display_name=name, lang=lang, at=now)
            await tx.participants.attach(address, p.id, at=now, reply_to=None)
            await tx.participants.update_profile(
                p.id, display_name=name, segment="b2b", company=company, account_manager=manager,
                customer_since=now - timedelta(days=days), lang=lang, lang_chosen=True,
                time_zone=zone,
            )  # fmt: skip
            found = await tx.participants.get(p.id)
        assert found is not None
        return found


def text(message: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def slack_id(user: str) -> Address:
    return Address("slack", f"{TEAM}:{user}")
