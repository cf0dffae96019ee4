"""A loopback Telegram Bot API and a webhook driver, for tests that must not touch the internet.

`FakeTelegram` serves `POST /bot<token>/<method>` on 127.0.0.1 the way PTB speaks it
(PLATFORMS.md B7: form-encoded, non-string values JSON-encoded; JSON bodies work too), records
every call, and answers with Telegram's own errors when told to. `WebhookDriver` posts Update JSON
to our ASGI app with the secret header, as Telegram does, retrying on non-2xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import json
import re
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from aiohttp import web
from starlette.types import ASGIApp, Message

from bot.app import ReferralBot, build
from bot.channels.telegram import Telegram
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.store import open_store
from bot.web import create_app
from tests.fakes import CollectingChannel

TOKEN = "123456:TEST-fake-token"
USERNAME = "ref_test_bot"
BOT_ID = 123456
# Parameters Telegram takes as plain strings; everything else PTB sends JSON-encoded.
_STRINGS = frozenset(
    {"text", "url", "secret_token", "callback_query_id", "parse_mode", "chat_id", "caption",
     "description", "short_description", "language_code"}
)
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    answer: list[int] = field(default_factory=list)  # the HTTP status, once answered
    at: float = field(default_factory=time.monotonic)  # when it arrived (benchmarks read it)

    @property
    def ok(self) -> bool:
        return self.answer == [200]


@dataclass
class FakeTelegram:
    """The Bot API for one bot. Tell it to fail: `blocked`, `missing`, `flood()`, `fail()`."""

    token: str = TOKEN
    username: str = USERNAME
    calls: list[Call] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)  # chat ids answering 403
    missing: set[str] = field(default_factory=set)  # chat ids answering 400 chat not found
    photos: list[tuple[str, bytes, str]] = field(default_factory=list)  # (chat id, PNG, caption)
    webhook: dict[str, Any] = field(default_factory=dict)
    # What setMyCommands / setMyDescription / setMyShortDescription stored, by language_code
    # ("" for the default): {"commands": [...], "description": ..., "short_description": ...}.
    profile: dict[str, dict[str, Any]] = field(default_factory=dict)
    max_wait: float = 5.0  # cap on getUpdates `timeout`, so a test never waits long
    enforce_flood_limits: bool = False  # 429 past 1 msg/s per chat or 30 msg/s in all
    delay: float = 0.0  # seconds sendMessage sits on a request (it is sent all the same)
    base_url: str = ""
    backlog: int = 128  # connections the listening socket lets wait (a bench shrinks it)
    _updates: deque[dict[str, Any]] = field(default_factory=deque)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5000))
    _message_ids: dict[str, itertools.count[int]] = field(default_factory=dict)
    _errors: dict[str, deque[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    _sent_at: deque[tuple[float, str]] = field(default_factory=deque)
    _tick: asyncio.Event = field(default_factory=asyncio.Event)
    _closing: bool = False
    _runner: web.AppRunner | None = None

    # -- what a test tells the fake --------------------------------------------------------
    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """An update waiting for getUpdates (given the next update_id when it has none)."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._notify()
        return update

    def fail(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """The next call of `method` answers with this error (queued, one per call)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self._errors.setdefault(method.lower(), deque()).append((status, body))

    def flood(self, retry_after: int, method: str = "sendMessage") -> None:
        self.fail(method, 429, f"Too Many Requests: retry after {retry_after}",
                  retry_after=retry_after)

    def sent(self, chat_id: str | int | None = None) -> list[Call]:
        """The messages delivered (sendMessage calls answered 200), to one chat or all."""
        return [c for c in self.calls if c.method == "sendMessage" and c.ok
                and (chat_id is None or c.params["chat_id"] == str(chat_id))]

    def texts(self, chat_id: str | int) -> list[str]:
        return [c.params["text"] for c in self.sent(chat_id)]

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    async def wait_for(self, check: Callable[[], bool], within: float = 5.0) -> None:
        """Until `check()` holds, woken by every call the fake receives."""
        async with asyncio.timeout(within):
            while not check():
                await self._tick.wait()

    # -- serving ----------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(self._runner, sock, backlog=self.backlog)
        await site.start()
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/bot"
        return self.base_url

    async def close(self) -> None:
        self._closing = True
        self._notify()  # let a waiting getUpdates answer now
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params)
        self.calls.append(call)
        self._notify()
        if self.delay and method.lower() == "sendmessage":
            await asyncio.sleep(self.delay)  # a slow day: the message goes out, the answer lags
        if request.match_info["token"] != self.token:
            response = _error(401, "Unauthorized")
        else:
            response = await self._answer(method, params)
        call.answer.append(response.status)
        return response

    async def _answer(self, method: str, params: dict[str, Any]) -> web.Response:
        handler = _METHODS.get(method.lower())
        if handler is None:
            return _error(404, "Not Found")
        queued = self._errors.get(method.lower())
        if queued:
            status, body = queued.popleft()
            return web.json_response(body, status=status)
        result = handler(self, params)
        if asyncio.iscoroutine(result):
            result = await result
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    def _notify(self) -> None:
        tick, self._tick = self._tick, asyncio.Event()
        tick.set()

    # -- methods ----------------------------------------------------------------------------
    def _me(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Referral", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _send_message(self, params: Mapping[str, Any]) -> dict[str, Any] | web.Response:
        chat_id = str(params.get("chat_id", ""))
        text = params.get("text")
        if not chat_id:
            return _error(400, "Bad Request: chat_id is empty")
        if chat_id in self.missing:
            return _error(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return _error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if markup is not None and not _valid_markup(markup):
            return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        if self.enforce_flood_limits and (wait := self._flooded(chat_id)):
            return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        ids = self._message_ids.setdefault(chat_id, itertools.count(1))
        message: dict[str, Any] = {
            "message_id": next(ids), "date": int(time.time()), "text": text,
            "chat": {"id": int(chat_id), "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Referral",
                     "username": self.username},
        }
        if markup is not None:
            message["reply_markup"] = markup
        return message

    def _send_photo(self, params: Mapping[str, Any]) -> dict[str, Any] | web.Response:
        """sendPhoto with the image uploaded as multipart/form-data (PLATFORMS.md B7)."""
        chat_id = str(params.get("chat_id", ""))
        photo = params.get("photo")
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if not chat_id or not isinstance(photo, bytes) or not photo.startswith(b"\x89PNG"):
            return _error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        caption = str(params.get("caption", ""))
        self.photos.append((chat_id, photo, caption))
        ids = self._message_ids.setdefault(chat_id, itertools.count(1))
        return {"message_id": next(ids), "date": int(time.time()), "caption": caption,
                "chat": {"id": int(chat_id), "type": "private"},
                "photo": [{"file_id": f"photo-{len(self.photos)}", "file_unique_id": "u",
                           "width": 256, "height": 256}]}

    def _flooded(self, chat_id: str) -> int:
        now = time.monotonic()
        while self._sent_at and now - self._sent_at[0][0] > 1.0:
            self._sent_at.popleft()
        same_chat = sum(1 for _, chat in self._sent_at if chat == chat_id)
        if same_chat >= 1 or len(self._sent_at) >= 30:
            return 1
        self._sent_at.append((now, chat_id))
        return 0

    def _set_webhook(self, params: Mapping[str, Any]) -> bool | web.Response:
        url = params.get("url", "")
        secret = params.get("secret_token")
        if url and not str(url).startswith("https://"):
            return _error(400, "Bad Request: bad webhook: "
                               "An HTTPS URL must be provided for webhook")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            return _error(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret,
                        "allowed_updates": params.get("allowed_updates")} if url else {}
        return True

    def _delete_webhook(self, params: Mapping[str, Any]) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    def _webhook_info(self, params: Mapping[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {"url": self.webhook.get("url", ""),
                                "has_custom_certificate": False,
                                "pending_update_count": len(self._updates)}
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _get_updates(self, params: Mapping[str, Any]) -> list[dict[str, Any]] | web.Response:
        if self.webhook:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active; "
                               "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = min(100, max(1, int(params.get("limit") or 100)))
        timeout = min(self.max_wait, float(params.get("timeout") or 0))
        if offset > 0:  # everything below the offset is confirmed and forgotten
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        if not self._updates and timeout > 0:  # long polling: answer when one arrives
            with contextlib.suppress(TimeoutError):
                await self.wait_for(lambda: bool(self._updates) or self._closing, timeout)
        return list(itertools.islice(self._updates, limit))

    def _language(self, params: Mapping[str, Any]) -> dict[str, Any] | None:
        code = str(params.get("language_code") or "")
        if code and not _LANGUAGE_CODE.fullmatch(code):  # ISO 639-1: "ko" yes, "zh-Hant" no
            return None
        return self.profile.setdefault(code, {})

    def _set_my_commands(self, params: Mapping[str, Any]) -> bool | web.Response:
        commands = params.get("commands")
        entry = self._language(params)
        if entry is None:
            return _error(400, "Bad Request: invalid language code specified")
        if not isinstance(commands, list) or len(commands) > 100:
            return _error(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name, text = str(command.get("command", "")), str(command.get("description", ""))
            if not _COMMAND.fullmatch(name) or not 1 <= len(text) <= 256:
                return _error(400, "Bad Request: BOT_COMMAND_INVALID")
        entry["commands"] = commands
        return True

    def _set_text(self, params: Mapping[str, Any], key: str, limit: int) -> bool | web.Response:
        entry = self._language(params)
        if entry is None:
            return _error(400, "Bad Request: invalid language code specified")
        text = str(params.get(key) or "")
        if len(text) > limit:
            return _error(400, f"Bad Request: {key} is too long")
        entry[key] = text
        return True

    def _set_my_description(self, params: Mapping[str, Any]) -> bool | web.Response:
        return self._set_text(params, "description", 512)

    def _set_my_short_description(self, params: Mapping[str, Any]) -> bool | web.Response:
        return self._set_text(params, "short_description", 120)

    def _answer_callback_query(self, params: Mapping[str, Any]) -> bool | web.Response:
        if not params.get("callback_query_id"):
            return _error(400, "Bad Request: query is too old and response timeout expired "
                               "or query ID is invalid")
        return True


_METHODS: dict[str, Callable[[FakeTelegram, Mapping[str, Any]], Any]] = {
    "getme": FakeTelegram._me,
    "sendmessage": FakeTelegram._send_message,
    "sendphoto": FakeTelegram._send_photo,
    "setwebhook": FakeTelegram._set_webhook,
    "deletewebhook": FakeTelegram._delete_webhook,
    "getwebhookinfo": FakeTelegram._webhook_info,
    "getupdates": FakeTelegram._get_updates,
    "answercallbackquery": FakeTelegram._answer_callback_query,
    "setmycommands": FakeTelegram._set_my_commands,
    "setmydescription": FakeTelegram._set_my_description,
    "setmyshortdescription": FakeTelegram._set_my_short_description,
}
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def _error(status: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _params(request: web.Request) -> dict[str, Any]:
    """Query string, then a JSON or form body: the four ways the Bot API takes parameters."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw.update(await request.json())
        return raw
    if request.can_read_body:
        for key, value in (await request.post()).items():
            # multipart uploads (sendPhoto) carry files as parts: kept as their bytes
            raw[key] = value if isinstance(value, str) else value.file.read()
    return {k: (v if k in _STRINGS or not isinstance(v, str) else _json(v)) for k, v in raw.items()}


def _json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _valid_markup(markup: Any) -> bool:
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        return False
    for row in rows:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                return False
            url = button.get("url")
            if url is not None and not str(url).startswith(("https://", "http://", "tg://")):
                return False
            if (data is None) == (url is None):  # exactly one action per button
                return False
    return True


@contextlib.asynccontextmanager
async def running_fake(**options: Any) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(**options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


# -- the other direction: Telegram posting updates to our webhook ---------------------------

def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities as Telegram marks them, offsets in UTF-16 code units."""
    return [{"type": "bot_command", "offset": _utf16(text[: m.start()]),
             "length": _utf16(m.group())}
            for m in re.finditer(r"(?<!\S)/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)]


def user(user_id: int = 777, first_name: str = "Mina", **extra: Any) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, **extra}


def private_chat(chat_id: int = 777, first_name: str = "Mina") -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": first_name}


class Configured(enum.Enum):
    SECRET = "the driver's own secret"


@dataclass
class WebhookDriver:
    """Posts updates as Telegram does: JSON, the secret header, sequential update ids."""

    app: ASGIApp
    secret: str | None
    base_url: str = "https://ref.example"
    path: str = "/telegram/webhook"
    attempts: int = 3  # Telegram retries a non-2xx answer
    responses: list[httpx.Response] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def message(self, text: str | None, *, sender: dict[str, Any] | None = None,
                chat: dict[str, Any] | None = None, kind: str = "message",
                **fields: Any) -> dict[str, Any]:
        sender = sender or user()
        chat = chat or private_chat(sender["id"], sender.get("first_name", ""))
        body: dict[str, Any] = {"message_id": next(self._message_ids), "date": 1_800_000_000,
                                "chat": chat, "from": sender, **fields}
        if text is not None:
            body["text"] = text
            if entities := command_entities(text):
                body["entities"] = entities
        return {"update_id": next(self._update_ids), kind: body}

    def callback(self, data: str | None, *, sender: dict[str, Any] | None = None,
                 query_id: str | None = None) -> dict[str, Any]:
        sender = sender or user()
        query: dict[str, Any] = {
            "id": query_id or f"{4_400_000_000 + next(self._message_ids)}",
            "from": sender, "chat_instance": "-8301",
            "message": {"message_id": next(self._message_ids), "date": 1_800_000_000,
                        "chat": private_chat(sender["id"], sender["first_name"]),
                        "text": "Your link…"},
        }
        if data is not None:
            query["data"] = data
        return {"update_id": next(self._update_ids), "callback_query": query}

    def my_chat_member(self, status: str, *,
                       sender: dict[str, Any] | None = None) -> dict[str, Any]:
        """The person blocked (`kicked`) or unblocked (`member`) the bot."""
        sender = sender or user()
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Referral", "username": USERNAME}

        def member(status: str) -> dict[str, Any]:
            return {"status": status, "user": bot, **({"until_date": 0} if status == "kicked"
                                                      else {})}

        return {"update_id": next(self._update_ids), "my_chat_member": {
            "chat": private_chat(sender["id"], sender["first_name"]), "from": sender,
            "date": 1_800_000_000,
            "old_chat_member": member("kicked" if status == "member" else "member"),
            "new_chat_member": member(status),
        }}

    async def post(self, update: dict[str, Any] | bytes | str, *,
                   secret: str | Literal[Configured.SECRET] | None = Configured.SECRET,
                   content_type: str = "application/json", retry: bool = True,
                   headers: Mapping[str, str] | None = None) -> httpx.Response:
        """POST one update; retried (as Telegram does) while the answer is not 2xx."""
        body = update if isinstance(update, bytes | str) else json.dumps(update)
        sent = {"content-type": content_type, **(headers or {})}
        secret = self.secret if secret is Configured.SECRET else secret
        if secret is not None:
            sent["x-telegram-bot-api-secret-token"] = secret
        # As a server would: an exception in the app is a 500 answer, which Telegram retries.
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=self.base_url) as client:
            for _ in range(self.attempts if retry else 1):
                response = await client.post(self.path, content=body, headers=sent)
                self.responses.append(response)
                if response.is_success:
                    break
        return response

    async def redeliver(self, update: dict[str, Any]) -> httpx.Response:
        """The same update again, as Telegram does when it did not hear our 200."""
        return await self.post(update)


@contextlib.asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[None]:
    """Run the ASGI lifespan (startup, then shutdown) as uvicorn would."""
    incoming: asyncio.Queue[Message] = asyncio.Queue()
    outgoing: asyncio.Queue[Message] = asyncio.Queue()
    await incoming.put({"type": "lifespan.startup"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}

    async def run() -> None:
        await app(scope, incoming.get, outgoing.put)

    task = asyncio.create_task(run())
    started = await outgoing.get()
    assert started["type"] == "lifespan.startup.complete", started
    try:
        yield
    finally:
        await incoming.put({"type": "lifespan.shutdown"})
        stopped = await outgoing.get()
        assert stopped["type"] == "lifespan.shutdown.complete", stopped
        await task


# -- the bot wired as app.py wires it, with Telegram pointed at the fake ----------------------

@dataclass
class Wired:
    bot: ReferralBot
    channel: Telegram
    console: CollectingChannel
    fake: FakeTelegram
    app: ASGIApp
    driver: WebhookDriver

    async def count(self, table: str) -> int:
        async with self.bot.store.transaction() as tx:
            return int(await tx.conn.fetchval(f"SELECT COUNT(*) FROM {table}"))

    async def nothing_happened(self) -> bool:
        """No participant, no processed event, no outbox row."""
        tables = ("participants", "identities", "inbound_events", "outbox")
        return all([await self.count(table) == 0 for table in tables])


WEBHOOK_SECRET = "hook-S3cret_token"


@contextlib.asynccontextmanager
async def wired(fake: FakeTelegram, database_url: str, clock: Clock, *,
                secret: str | None = WEBHOOK_SECRET, poll_timeout: int = 1) -> AsyncIterator[Wired]:
    settings = Settings(database_url=database_url, public_base_url="https://ref.example",
                        telegram_bot_token=fake.token, telegram_webhook_secret=secret,
                        telegram_api_base_url=fake.base_url)
    channel = Telegram(token=fake.token, public_base_url=settings.public_base_url,
                       webhook_secret=secret, api_base_url=fake.base_url, clock=clock,
                       poll_timeout=poll_timeout, poll_pause=0.01)
    console = CollectingChannel("console")
    store = await open_store(database_url)
    bot = await build(settings, channels=[channel, console], clock=clock, store=store)
    app = create_app(bot, run_background=False)
    try:
        yield Wired(bot, channel, console, fake, app, WebhookDriver(app, secret))
    finally:
        await channel.stop()
        await bot.close()
