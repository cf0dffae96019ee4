"""A loopback Slack: the Web API as slack_sdk speaks to it, and requests signed as Slack signs them.

`FakeSlack` serves `auth.test`, `chat.postMessage`, `chat.postEphemeral`, `conversations.open`,
`chat.update`, `users.info` (a GET, for the users put in `people`) and files upload v2
(`files.getUploadURLExternal`, the upload URL, `files.completeUploadExternal`) on 127.0.0.1,
records every call (JSON or form bodies, as slack_sdk sends them), and answers with Slack's own
refusals when told to: `{"ok": false, "error": ...}`, 429 with `Retry-After`, or a 5xx; or
slowly (`delay`).
`SlackHarness` wires the real bot, the Slack channel and the ASGI app to it, and posts requests
signed with `SignatureVerifier.generate_signature`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from bot.app import ReferralBot, build
from bot.channels.send_timeouts import SendTimeouts
from bot.channels.slack import Slack, StaffHandlers
from bot.channels.slack_listeners import ACK_BUDGET
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.store import open_store
from bot.web import create_app

PAYLOADS = Path(__file__).parent.parent / "payloads" / "slack"
TOKEN = "xoxb-1111-2222-fake"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0TEAM"
BOT_USER = "U0BOT"
BOT_ID = "B0BOT"
USER = "U0ALICE"
DM = "D0ALICE"


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake received it."""

    method: str
    authorization: str | None
    content_type: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Refusal:
    error: str
    status: int = 200
    retry_after: str | None = None


class FakeSlack:
    def __init__(self, *, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> message
        self._refusals: dict[str, list[Refusal]] = defaultdict(list)
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes sent to its upload URL
        self.shared_files: list[dict[str, Any]] = []  # completeUploadExternal bodies
        self.delay = 0.0  # seconds chat.postMessage sits on a request (it is posted all the same)
        self.people: dict[str, dict[str, Any]] = {}  # user id -> users.info's `user`
        self.stalls: dict[str, float] = {}  # method -> seconds before it is answered at all

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_get("/api/{method}", self._handle)  # users.info is a GET
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}/api/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    close = stop  # as the other fakes (tests/cli/threaded.py runs any of them)

    def refuse(
        self, method: str, error: str, *, status: int = 200, retry_after: str | None = None
    ) -> None:
        """Answer the next call of `method` with Slack's error instead of doing it."""
        self._refusals[method].append(Refusal(error, status, retry_after))

    def called(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    @property
    def posted(self) -> list[dict[str, Any]]:
        """The bodies of every chat.postMessage, in order."""
        return [call.body for call in self.called("chat.postMessage")]

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method in self.stalls:
            await asyncio.sleep(self.stalls[method])
        body: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body.update(await request.json())
        else:
            body.update(dict(await request.post()))
        authorization = request.headers.get("Authorization")
        self.calls.append(Call(method, authorization, request.content_type, body))
        if self._refusals[method]:
            refusal = self._refusals[method].pop(0)
            headers = {"Retry-After": refusal.retry_after} if refusal.retry_after else {}
            return web.json_response(
                {"ok": False, "error": refusal.error}, status=refusal.status, headers=headers
            )
        token = (authorization or "").removeprefix("Bearer ") or body.get("token")
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if token != self.token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        answer: dict[str, Any] = handler(body)
        if self.delay and method == "chat.postMessage":
            await asyncio.sleep(self.delay)  # a slow day: the message is posted, the answer lags
        return web.json_response(answer)

    def _auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "referralbot",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _users_info(self, body: dict[str, Any]) -> dict[str, Any]:
        person = self.people.get(str(body.get("user")))
        if person is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": person}

    def _dm(self, channel: str) -> str:
        # A user id as channel posts in the app's DM with that user.
        return "D" + channel[1:] if channel[:1] in ("U", "W") else channel

    def _chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not body.get("text") and not body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        channel, ts = self._dm(str(body["channel"])), f"1795000000.{next(self._ts):06d}"
        message = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "ts": ts,
            "text": body.get("text", ""),
            "blocks": body.get("blocks", []),
        }
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_postEphemeral(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("channel") or not body.get("user"):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": f"1795000000.{next(self._ts):06d}"}

    def _conversations_open(self, body: dict[str, Any]) -> dict[str, Any]:
        users = str(body.get("users", "")).split(",")
        if not users[0]:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": self._dm(users[0])}}

    # files upload v2: getUploadURLExternal, POST the bytes, completeUploadExternal.
    # https://docs.slack.dev/reference/methods/files.getUploadURLExternal
    def _files_getUploadURLExternal(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("filename") or not str(body.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts):08d}"
        root = self.base_url.removesuffix("api/")
        return {"ok": True, "upload_url": f"{root}upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK - " + str(len(self.uploads)))

    def _files_completeUploadExternal(self, body: dict[str, Any]) -> dict[str, Any]:
        files = body.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        if not files or any(f.get("id") not in self.uploads for f in files):
            return {"ok": False, "error": "file_not_found"}
        self.shared_files.append({**body, "files": files})
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _chat_update(self, body: dict[str, Any]) -> dict[str, Any]:
        key = (str(body.get("channel", "")), str(body.get("ts", "")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key].update(text=body.get("text", ""), blocks=body.get("blocks", []))
        return {"ok": True, "channel": key[0], "ts": key[1], "text": body.get("text", "")}


# ---- requests from Slack ------------------------------------------------------------------


def sign(body: bytes, *, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    """The headers Slack sends with `body`, signed with the official helper."""
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    return loaded


def event_body(event: dict[str, Any], *, event_id: str = "Ev0001") -> bytes:
    """An Events API envelope around `event`, shaped like tests/payloads/slack/message_im.json."""
    envelope = payload("message_im.json")
    envelope["event"] = event
    envelope["event_id"] = event_id
    return json.dumps(envelope).encode()


def dm(text: str, *, ts: str = "1795000000.000100", **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = payload("message_im.json")["event"]
    event.update(text=text, ts=ts, event_ts=ts, **extra)
    return event


def mention(text: str, *, ts: str = "1795000000.000200", **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = payload("app_mention.json")["event"]
    event.update(text=text, ts=ts, event_ts=ts, **extra)
    return event


def command_body(text: str, *, trigger_id: str = "1795.1.abc", **extra: str) -> bytes:
    fields = dict(payload("slash_command.json"))
    fields.update(text=text, trigger_id=trigger_id, **extra)
    return urlencode(fields).encode()


def click_body(
    value: Any, *, action_id: str = "referral_keyword_0", action_ts: str = "1795000001.000100"
) -> bytes:
    body = payload("block_actions.json")
    body["actions"][0].update(value=value, action_id=action_id, action_ts=action_ts)
    return urlencode({"payload": json.dumps(body)}).encode()


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(repr=False)
class SlackHarness:
    """The bot as `app.py` wires it, with Slack on a loopback fake and the ASGI app in-process."""

    bot: ReferralBot
    slack: Slack
    fake: FakeSlack
    clock: FakeClock
    http: httpx.AsyncClient
    sent: int = field(default=0)

    @classmethod
    async def open(
        cls,
        database_url: str,
        clock: FakeClock,
        fake: FakeSlack,
        *,
        staff: Sequence[StaffHandlers] = (),
        ack_budget: float = ACK_BUDGET,
        send_timeout: float = SendTimeouts().total,
    ) -> SlackHarness:
        settings = Settings(
            database_url=database_url,
            public_base_url="https://ref.example",
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_base_url=fake.base_url,
        )
        slack = Slack(
            token=TOKEN,
            signing_secret=SECRET,
            base_url=fake.base_url,
            clock=clock,
            staff=staff,
            ack_budget=ack_budget,
            timeout=send_timeout,
        )
        store = await open_store(database_url)
        bot = await build(settings, channels=[slack], clock=clock, store=store)
        app = create_app(bot, run_background=False)
        transport = httpx.ASGITransport(app=app)
        http = httpx.AsyncClient(transport=transport, base_url=settings.public_base_url)
        return cls(bot=bot, slack=slack, fake=fake, clock=clock, http=http)

    async def close(self) -> None:
        await self.http.aclose()
        await self.bot.close()

    def now(self) -> int:
        return int(self.clock.now().timestamp())

    async def post(
        self,
        body: bytes,
        *,
        content_type: str = JSON,
        age: int = 0,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        sent = {"Content-Type": content_type}
        if signed:
            sent.update(sign(body, timestamp=self.now() - age))
        sent.update(headers or {})
        return await self.http.post("/slack/events", content=body, headers=sent)

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str = "Ev0001",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.post(event_body(event, event_id=event_id), headers=headers)

    async def command(self, text: str, **fields: str) -> httpx.Response:
        return await self.post(command_body(text, **fields), content_type=FORM)

    async def click(self, value: Any, **fields: str) -> httpx.Response:
        return await self.post(click_body(value, **fields), content_type=FORM)

    async def replies(self) -> list[dict[str, Any]]:
        """Dispatch what is due; the chat.postMessage bodies the fake received meanwhile."""
        await self.bot.dispatcher.dispatch_due()
        posted = self.fake.posted
        new, self.sent = posted[self.sent :], len(posted)
        return new

    async def count(self, table: str) -> int:
        assert table in ("participants", "identities", "outbox", "inbound_events")
        async with self.bot.store.transaction() as tx:
            found = await tx.conn.fetchval(f"SELECT COUNT(*) FROM {table}")
        return int(found)

    async def untouched(self) -> bool:
        """Nothing was recorded: no event, no participant, no outbox row."""
        tables = ("inbound_events", "participants", "identities", "outbox")
        return all([await self.count(table) == 0 for table in tables])


def section_text(body: dict[str, Any]) -> str:
    blocks = body["blocks"]
    if isinstance(blocks, str):  # slack_sdk serialises blocks itself on some paths
        blocks = json.loads(blocks)
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


def button_values(body: dict[str, Any]) -> list[str]:
    blocks = body["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


@contextlib.asynccontextmanager
async def running_fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
