"""Telegram through python-telegram-bot's SDK parts: updates in by webhook or long polling,
sendMessage out.

Only `telegram.Bot` is used, on aiohttp (telegram_http.py, which also posts sendMessage and
getUpdates itself: a send's answer is read for its message id only, and updates are read from
their JSON by telegram_updates.py, not built into PTB objects). PTB's Application, JobQueue and
persistence keep state in memory; our database and outbox already keep it durably.

- Webhook mode (TELEGRAM_WEBHOOK_SECRET set): `start()` registers
  PUBLIC_BASE_URL/telegram/webhook with the secret, and the route compares the secret header in
  constant time before it reads the body.
- Polling mode (no secret): `start()` runs a getUpdates loop in this process. The webhook route
  then refuses every request: nothing could prove that one came from Telegram.
- An authenticated body that is not an Update is logged and answered 200. Any other status
  makes Telegram redeliver it and stall the updates queued behind it.
- A tapped inline button is acknowledged inside the webhook's own response ("making requests
  when getting updates", https://core.telegram.org/bots/api#making-requests-when-getting-updates),
  so no call leaves the request handler and the button stops spinning. The polling loop, which
  is no request handler, calls answerCallbackQuery after handling the tap.
- Replies go out as plain text (no parse_mode): names and codes people typed need no escaping.
- TELEGRAM_API_BASE_URL may be a host (`http://127.0.0.1:8081`), PTB's form ending in `/bot`,
  or a template containing `{token}`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.helpers import create_deep_linked_url

from bot.channels.send_timeouts import TELEGRAM_IN_FLIGHT, TELEGRAM_POOL, SendTimeouts
from bot.channels.switches import TELEGRAM
from bot.channels.telegram_delivery import delivery_failure, keyboard
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_polling import pause, poll
from bot.channels.telegram_updates import (
    ALLOWED_UPDATES,
    CHANNEL,
    Reachability,
    callback_query_id,
    read_update,
    update_id,
)
from bot.core.channel import Inbox
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.messages import Button, Outbound
from bot.core.qr import qr_png

__all__ = ["CHANNEL", "REQUIRED", "SECRET_HEADER", "WEBHOOK_PATH", "Telegram", "from_settings"]

REQUIRED = TELEGRAM.required
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"
DEFAULT_API = "https://api.telegram.org/bot"

log = logging.getLogger(__name__)


def from_settings(settings: Settings) -> Telegram | None:
    if not settings.telegram_bot_token:
        return None
    secret = settings.telegram_webhook_secret or None  # its form is checked by Settings
    return Telegram(
        token=settings.telegram_bot_token,
        webhook_secret=secret,
        public_base_url=settings.public_base_url,
        api_base_url=settings.telegram_api_base_url,
        timeouts=SendTimeouts().scaled(settings.provider_timeout_scale),
    )


def api_url(base: str | None) -> str:
    """PTB's `base_url` (the token is appended to it) from TELEGRAM_API_BASE_URL."""
    if not base:
        return DEFAULT_API
    if "{token}" in base:
        return base
    base = base.rstrip("/")
    return base if base.endswith("/bot") else f"{base}/bot"


class Telegram:
    """The Telegram channel: holds a `telegram.Bot`, never is one."""

    name = CHANNEL
    max_in_flight = TELEGRAM_IN_FLIGHT

    def __init__(
        self,
        *,
        token: str,
        public_base_url: str,
        webhook_secret: str | None = None,
        api_base_url: str | None = None,
        clock: Clock | None = None,
        poll_timeout: int = 30,
        poll_pause: float = 1.0,
        timeouts: SendTimeouts | None = None,
    ) -> None:
        timeouts = timeouts or SendTimeouts()
        self._sending = AiohttpRequest(timeouts=timeouts, pool=TELEGRAM_POOL)
        # getUpdates has a request object of its own: long polls must not share the send pool.
        self._long_polls = AiohttpRequest(timeouts=timeouts, pool=1)
        self._bot = Bot(
            token,
            base_url=api_url(api_base_url),
            request=self._sending,
            get_updates_request=self._long_polls,
        )
        self._secret = webhook_secret
        self._webhook_url = public_base_url.rstrip("/") + WEBHOOK_PATH
        self._clock = clock or SystemClock()
        self._poll_timeout = poll_timeout
        self._poll_pause = poll_pause
        self._ready = asyncio.Lock()
        self._username: str | None = None
        self._inbox: Inbox | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def username(self) -> str | None:
        """The bot's @username, known once getMe has answered."""
        return self._username

    def routes(self, inbox: Inbox) -> Sequence[BaseRoute]:
        self._inbox = inbox

        async def webhook(request: Request) -> Response:
            return await self._webhook(request, inbox)

        return [Route(WEBHOOK_PATH, webhook, methods=["POST"])]

    def reach(self) -> frozenset[str] | None:
        return None

    def deep_link(self, code: str) -> str | None:
        """`https://t.me/<bot>?start=<code>`; None until getMe has told us the bot's name."""
        if self._username is None:
            return None
        try:
            return create_deep_linked_url(self._username, code)
        except ValueError:  # not a valid payload: the web link still works
            return None

    async def send(self, message: Outbound) -> str | None:
        try:
            bot = await self._initialized()
            payload: dict[str, object] = {"chat_id": message.reply_to or message.to.id}
            payload["text"] = message.text
            if (markup := keyboard(message.buttons)) is not None:
                payload["reply_markup"] = markup
            # Only the id is kept: no Message object is built (telegram_http.py says why).
            sent = await self._sending.post_json(f"{bot.base_url}/sendMessage", payload)
        except TelegramError as exc:
            raise delivery_failure(exc) from None
        for share in (b for b in message.buttons if b.is_share):
            await self._send_qr(message.reply_to or message.to.id, share)
        return str(sent["message_id"])

    async def _send_qr(self, chat_id: str, share: Button) -> None:
        """The shared link as a QR code photo. The text is already delivered, so a refusal is
        logged and not retried (a retry would send the text twice)."""
        try:
            bot = await self._initialized()
            await self._sending.post_file(
                f"{bot.base_url}/sendPhoto",
                {"chat_id": chat_id, "caption": share.value},
                "photo",
                ("qr.png", qr_png(share.value), "image/png"),
            )
        except TelegramError as exc:
            log.warning("telegram: QR code photo failed: %r", exc)

    async def start(self) -> None:
        if self._secret is None:
            if self._inbox is None:
                raise RuntimeError("Telegram.routes(inbox) must be called before start()")
            inbox = self._inbox

            async def handle(update: Mapping[str, Any]) -> str | None:
                return await self._handle(update, inbox)

            polling = poll(
                self._initialized,
                self._get_updates,
                handle,
                base_pause=self._poll_pause,
            )
            self._task = asyncio.create_task(polling, name="telegram-polling")
        elif not await self._register_webhook():
            self._task = asyncio.create_task(self._keep_registering(), name="telegram-webhook")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
        await self._bot.shutdown()

    async def _initialized(self) -> Bot:
        """The Bot after getMe, done once and lazily: the worker process never calls start()."""
        async with self._ready:
            try:
                await self._bot.initialize()
            except InvalidToken:
                # PTB's own message quotes the token; keep it out of logs and outbox rows.
                raise InvalidToken("Unauthorized (getMe)") from None
            self._username = self._bot.username
        return self._bot

    async def _get_updates(self, offset: int | None) -> list[Mapping[str, Any]]:
        """One long poll: the updates as Telegram sent them (a list of JSON objects)."""
        bot = await self._initialized()
        payload: dict[str, object] = {
            "timeout": self._poll_timeout,
            "allowed_updates": list(ALLOWED_UPDATES),
        }
        if offset is not None:
            payload["offset"] = offset
        found = await self._long_polls.post_json(
            f"{bot.base_url}/getUpdates", payload, read_extra=self._poll_timeout
        )
        if not isinstance(found, list):
            raise TelegramError("getUpdates answered something other than a list")
        return [u for u in found if isinstance(u, dict)]

    async def _webhook(self, request: Request, inbox: Inbox) -> Response:
        if not self._authentic(request.headers.get(SECRET_HEADER)):
            return PlainTextResponse("forbidden", status_code=403)
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            return PlainTextResponse("expected application/json", status_code=415)
        update = self._parse(await request.body())
        if update is None:
            return Response(status_code=200)
        query_id = await self._handle(update, inbox)
        if query_id is None:
            return Response(status_code=200)
        return JSONResponse({"method": "answerCallbackQuery", "callback_query_id": query_id})

    def _authentic(self, given: str | None) -> bool:
        if self._secret is None or given is None:
            return False
        # Starlette decodes header bytes as latin-1, so this gives back the bytes as sent.
        return hmac.compare_digest(given.encode("latin-1"), self._secret.encode())

    def _parse(self, body: bytes) -> Mapping[str, Any] | None:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            log.warning("telegram webhook: a %d-byte body that is not JSON; ignored", len(body))
            return None
        if not isinstance(data, dict) or update_id(data) is None:
            log.warning("telegram webhook: JSON without an integer update_id; ignored")
            return None
        return data

    async def _handle(self, update: Mapping[str, Any], inbox: Inbox) -> str | None:
        """Hand the update to the core; returns the callback query id to acknowledge, if any."""
        try:
            reading = read_update(update, bot_username=self._username, now=self._clock.now())
        except Exception:  # a field of another type than the Bot API's: skip, don't stall
            log.warning(
                "telegram update %s not understood; ignored",
                update.get("update_id"),
                exc_info=True,
            )
            reading = None
        if isinstance(reading, Reachability):
            await inbox.reachability(reading.address, reachable=reading.reachable)
        elif reading is not None:
            await inbox.message(reading)
        return callback_query_id(update)

    async def _register_webhook(self) -> bool:
        """setWebhook; True when done or when retrying cannot help."""
        try:
            bot = await self._initialized()
            await bot.set_webhook(
                url=self._webhook_url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
            )
        except (InvalidToken, BadRequest) as exc:
            log.error(
                "telegram webhook not registered: %s (PUBLIC_BASE_URL must be a public "
                "https URL; unset TELEGRAM_WEBHOOK_SECRET to poll instead)",
                exc,
            )
            return True
        except TelegramError as exc:
            log.warning("telegram webhook not registered yet: %s; retrying", exc)
            return False
        log.info("telegram webhook registered at %s", self._webhook_url)
        return True

    async def _keep_registering(self) -> None:
        failures = 0
        while not await self._register_webhook():
            failures += 1
            await asyncio.sleep(pause(None, failures, base=self._poll_pause))
