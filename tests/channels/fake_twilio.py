"""A loopback Twilio: the Messages REST API as twilio-python speaks it (aiohttp on 127.0.0.1),
and a driver that posts really signed webhooks (RequestValidator.compute_signature) to our ASGI
app at its public URL, the way Twilio's servers would.

The fake records every request and can answer with Twilio's errors: a blocklist (21610, the
person texted STOP), an invalid To (21211), 429/20429 with Retry-After, 500s, and slowness.
Payload templates in tests/payloads/twilio/ follow Twilio's documented webhook examples.
"""

from __future__ import annotations

import asyncio
import base64
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from aiohttp import web
from multidict import MultiDict
from starlette.types import ASGIApp
from twilio.request_validator import RequestValidator

from bot.app import ReferralBot, build
from bot.channels.sms import TwilioSms, from_settings
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.sms_text import sms_segments
from bot.web import create_app

ACCOUNT_SID = "AC" + "ae0c2c4b8e2b4c1d9f3a6e5d7c8b9a01"
AUTH_TOKEN = "f3c1e5a7b9d2c4e6a8b0d2f4a6c8e0b2"
FROM_NUMBER = "+14155550199"
PUBLIC_BASE_URL = "https://ref.example"
PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "twilio"
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
Pairs = list[tuple[str, str]]


def payload(name: str) -> Pairs:
    """A webhook body from tests/payloads/twilio, as ordered form pairs."""
    text = (PAYLOADS / f"{name}.form").read_text(encoding="utf-8")
    return parse_qsl(text, keep_blank_values=True)


def new_sid(prefix: str = "SM") -> str:
    return prefix + uuid.uuid4().hex


@dataclass
class Received:
    """One request the fake REST API got, and what it answered."""

    method: str
    path: str
    form: Pairs
    headers: dict[str, str]
    status: int = 0

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.form if key == name), None)


def _error(status: int, code: int, message: str) -> web.Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status)


class FakeTwilio:
    """POST /2010-04-01/Accounts/{sid}/Messages.json, with Twilio's checks and errors."""

    def __init__(self, *, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[Received] = []
        self.messages: list[dict[str, Any]] = []  # the messages Twilio accepted, as answered
        self.blocklist: set[str] = set()  # numbers that texted STOP: 400/21610
        self.throttle = 0  # answer the next N requests with 429/20429
        self.retry_after: str | None = None  # the Retry-After header sent with a 429
        self.server_errors = 0  # answer the next N requests with 500
        self.delay = 0.0  # seconds to sit on each request before answering
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def sent_to(self, number: str) -> list[str]:
        return [m["body"] for m in self.messages if m["to"] == number]

    async def _create(self, request: web.Request) -> web.Response:
        form = [(k, v) for k, v in (await request.post()).items() if isinstance(v, str)]
        received = Received(request.method, request.path, form, dict(request.headers))
        self.requests.append(received)
        if self.delay:
            await asyncio.sleep(self.delay)
        response = self._answer(request, received)
        received.status = response.status
        return response

    def _authorised(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return (
            request.headers.get("Authorization") == f"Basic {expected}"
            and request.match_info["sid"] == self.account_sid
        )

    def _answer(self, request: web.Request, received: Received) -> web.Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if self.throttle > 0:
            self.throttle -= 1
            response = _error(429, 20429, "Too Many Requests")
            if self.retry_after is not None:
                response.headers["Retry-After"] = self.retry_after
            return response
        if self.server_errors > 0:
            self.server_errors -= 1
            return _error(500, 20500, "Internal Server Error")
        to, body = received.get("To") or "", received.get("Body") or ""
        sender, service = received.get("From"), received.get("MessagingServiceSid")
        if not E164.match(to):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to in self.blocklist:
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        if not (sender or service):
            return _error(400, 21603, "The 'From' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        if len(body.encode("utf-16-le")) // 2 > 1600:
            return _error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        return web.json_response(self._message(to, body, sender, service), status=201)

    def _message(
        self, to: str, body: str, sender: str | None, service: str | None
    ) -> dict[str, Any]:
        sid = new_sid()
        now = format_datetime(datetime.now(UTC), usegmt=True)
        message = {
            "sid": sid,
            "account_sid": self.account_sid,
            "messaging_service_sid": service,
            "to": to,
            "from": sender,
            "body": body,
            "status": "accepted" if service else "queued",
            "direction": "outbound-api",
            "num_segments": str(sms_segments(body)),
            "num_media": "0",
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
            },
        }
        self.messages.append(message)
        return message


def sign(auth_token: str, url: str, pairs: Iterable[tuple[str, str]]) -> str:
    """X-Twilio-Signature as Twilio computes it, over every value of every key."""
    validator: Any = RequestValidator(auth_token)
    return str(validator.compute_signature(url, MultiDict(list(pairs))))


class TwilioDriver:
    """Twilio's side of the webhooks: signed form posts to the app's public URL."""

    def __init__(
        self, app: ASGIApp, *, auth_token: str = AUTH_TOKEN, base_url: str = PUBLIC_BASE_URL
    ) -> None:
        self.auth_token = auth_token
        self.base_url = base_url
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def post(
        self,
        path: str,
        pairs: Pairs,
        *,
        query: str = "",
        signature: str | None = None,
        signed_url: str | None = None,
        signed_pairs: Pairs | None = None,
        headers: Mapping[str, str] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        """Post `pairs`, signed over `signed_pairs` at `signed_url` unless told otherwise."""
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        if signature is None:
            signature = sign(
                token or self.auth_token,
                signed_url or url,
                pairs if signed_pairs is None else signed_pairs,
            )
        sent = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
            "User-Agent": "TwilioProxy/1.1",
        }
        sent.update(headers or {})
        return await self.http.post(url, content=urlencode(pairs).encode(), headers=sent)

    def sms_pairs(
        self, body: str, *, sender: str = "+14155550100", sid: str | None = None, **extra: str
    ) -> Pairs:
        """An inbound SMS body as Twilio sends it; `extra` adds or replaces parameters."""
        sid = sid or new_sid()
        values = {
            "Body": body,
            "From": sender,
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            **extra,
        }
        pairs = [(k, values.pop(k) if k in values else v) for k, v in payload("inbound_sms")]
        return pairs + list(values.items())

    async def sms(
        self, body: str, *, sender: str = "+14155550100", sid: str | None = None, **extra: str
    ) -> httpx.Response:
        return await self.post("/twilio/sms", self.sms_pairs(body, sender=sender, sid=sid, **extra))

    def status_pairs(self, sid: str, status: str, **extra: str) -> Pairs:
        values = {
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            **extra,
        }
        pairs = [(k, values.pop(k) if k in values else v) for k, v in payload("status_delivered")]
        return pairs + list(values.items())

    async def status(self, sid: str, status: str, **extra: str) -> httpx.Response:
        return await self.post("/twilio/status", self.status_pairs(sid, status, **extra))


@dataclass
class TwilioWorld:
    """The bot as `serve` wires it, its SMS channel pointed at a fake Twilio."""

    fake: FakeTwilio
    channel: TwilioSms
    bot: ReferralBot
    app: ASGIApp
    driver: TwilioDriver
    clock: FakeClock
    settings: Settings = field(repr=False)

    async def count(self, table: str) -> int:
        async with self.bot.store.transaction() as tx:
            return int(await tx.conn.fetchval(f"SELECT COUNT(*) FROM {table}"))

    async def nothing_stored(self) -> bool:
        tables = ("participants", "identities", "outbox", "inbound_events")
        return all([await self.count(table) == 0 for table in tables])


@asynccontextmanager
async def twilio_world(
    database_url: str, clock: FakeClock, **settings: Any
) -> AsyncIterator[TwilioWorld]:
    fake = FakeTwilio()
    await fake.start()
    values: dict[str, Any] = {
        "database_url": database_url,
        "public_base_url": PUBLIC_BASE_URL,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_from_number": FROM_NUMBER,
        "twilio_api_base_url": fake.url,
    }
    config = Settings(**{**values, **settings})
    channel = from_settings(config, clock=clock)
    assert channel is not None
    bot = await build(config, channels=[channel], clock=clock)
    app = create_app(bot, run_background=False)
    driver = TwilioDriver(app)
    try:
        yield TwilioWorld(fake, channel, bot, app, driver, clock, config)
    finally:
        await driver.aclose()
        await channel.stop()
        await bot.close()
        await fake.close()
