"""A loopback Twilio: the Messages REST API as twilio-python speaks it (aiohttp on 127.0.0.1),
and a driver that posts really signed webhooks (RequestValidator.compute_signature) to our ASGI
app at its public URL, the way Twilio's servers would.

The fake records every request and can answer with Twilio's errors: a blocklist (21610, the
person texted STOP), an invalid To (21211), 429/20429 with Retry-After, 500s, and slowness,
before Twilio takes a message (`delay`) or after (`answer_delay`). It serves the list of
messages too (GET Messages.json: To, From, DateSent filters, newest first, paged as Twilio
pages, with `next_page_uri`), where every message it took is listed as sent, unless Twilio is
still `holding` them (queued, no DateSent yet).
Payload templates in tests/payloads/twilio/ follow Twilio's documented webhook examples.
"""

from __future__ import annotations

import asyncio
import base64
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
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

    def __init__(
        self,
        *,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.account_sid = account_sid
        self.clock = clock  # Twilio's time: date_created, and what DateSent filters on
        self.auth_token = auth_token
        self.requests: list[Received] = []
        self.messages: list[dict[str, Any]] = []  # the messages Twilio accepted, as answered
        self.blocklist: set[str] = set()  # numbers that texted STOP: 400/21610
        self.throttle = 0  # answer the next N requests with 429/20429
        self.retry_after: str | None = None  # the Retry-After header sent with a 429
        self.server_errors = 0  # answer the next N requests with 500
        # Seconds to sit on each create before taking it: a client gone by then (it timed out)
        # never reached Twilio, so nothing is sent.
        self.delay = 0.0
        self.answer_delay = 0.0  # seconds between taking a message and answering
        self.list_errors = 0  # answer the next N reads of the message list with 500
        self.list_delay = 0.0  # seconds to sit on each read of the message list
        self.holding = False  # Twilio's queue is backed up: the list shows messages as taken
        self.url = ""
        self._runner: web.AppRunner | None = None
        # The account's numbers (by E.164) and Messaging Services (by MG sid), as Twilio
        # answers them; `twilio setup` reads and updates these.
        self.numbers: dict[str, dict[str, Any]] = {}
        self.services: dict[str, dict[str, Any]] = {}

    def add_number(self, number: str, **fields: Any) -> dict[str, Any]:
        sid = "PN" + uuid.uuid4().hex
        self.numbers[number] = {
            "sid": sid, "account_sid": self.account_sid, "phone_number": number,
            "friendly_name": number, "sms_url": "https://demo.twilio.com/welcome/sms/reply",
            "sms_method": "POST", "sms_fallback_url": "", "status_callback": "",
            "capabilities": {"sms": True, "mms": True, "voice": True},
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers/{sid}.json",
            **fields,
        }  # fmt: skip
        return self.numbers[number]

    def add_service(self, name: str, **fields: Any) -> dict[str, Any]:
        sid = "MG" + uuid.uuid4().hex
        self.services[sid] = {
            "sid": sid, "account_sid": self.account_sid, "friendly_name": name,
            "inbound_request_url": None, "inbound_method": "POST", "status_callback": None,
            "use_inbound_webhook_on_number": True,
            "url": f"https://messaging.twilio.com/v1/Services/{sid}", **fields,
        }  # fmt: skip
        return self.services[sid]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        app.router.add_get("/2010-04-01/Accounts/{sid}/Messages.json", self._list_messages)
        app.router.add_get("/2010-04-01/Accounts/{sid}.json", self._account)
        numbers = "/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers"
        app.router.add_get(numbers + ".json", self._list_numbers)
        app.router.add_post(numbers + "/{pn}.json", self._update_number)
        app.router.add_get("/v1/Services/{mg}", self._service)
        app.router.add_post("/v1/Services/{mg}", self._update_service)
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
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # nobody is listening; nothing was taken
        response = self._answer(request, received)
        received.status = response.status
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return response

    def posts(self) -> list[Received]:
        """The requests that tried to send a message (lookups and setup calls left out)."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("Messages.json")]

    def add_message(self, to: str, body: str, sender: str = FROM_NUMBER) -> dict[str, Any]:
        """A message Twilio took from this account some other way (another send, earlier)."""
        return self._message(to, body, sender, None)

    async def _list_messages(self, request: web.Request) -> web.Response:
        """GET Messages.json as Twilio answers it: filtered, newest first, one page."""
        await self._record(request)
        if self.list_delay:
            await asyncio.sleep(self.list_delay)
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if self.list_errors > 0:
            self.list_errors -= 1
            return _error(500, 20500, "Internal Server Error")
        query = request.query
        listed = [
            sent for sent in map(self._as_sent, reversed(self.messages)) if _listed(sent, query)
        ]
        size = min(int(query.get("PageSize", "50")), 1000)
        page = int(query.get("Page", "0"))
        start = page * size
        token = query.get("PageToken")
        if token is not None:  # "PA" + the last sid of the page before
            start = next((i + 1 for i, m in enumerate(listed) if "PA" + m["sid"] == token), start)
        shown = listed[start : start + size]
        filters = [(k, v) for k, v in query.items() if k not in ("PageSize", "Page", "PageToken")]
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"

        def uri(number: int, after: str | None = None) -> str:
            paging = [("PageSize", str(size)), ("Page", str(number))]
            paging += [("PageToken", after)] if after else []
            return path + "?" + urlencode(filters + paging)

        more = start + size < len(listed)
        return web.json_response({
            "end": start + max(0, len(shown) - 1), "first_page_uri": uri(0),
            "messages": shown,
            "next_page_uri": uri(page + 1, "PA" + shown[-1]["sid"]) if more and shown else None,
            "page": page, "page_size": size,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "start": start, "uri": request.path_qs,
        })  # fmt: skip

    def _as_sent(self, message: dict[str, Any]) -> dict[str, Any]:
        """A message as the list shows it later: Twilio sent it from its queue at once, unless
        it is `holding` it (then it is `queued` or `accepted`, with no DateSent)."""
        if self.holding:
            return message
        return {**message, "status": "sent", "date_sent": message["date_created"]}

    async def _record(self, request: web.Request) -> Received:
        form = [(k, v) for k, v in (await request.post()).items() if isinstance(v, str)]
        received = Received(request.method, request.path_qs, form, dict(request.headers))
        self.requests.append(received)
        return received

    def _basic_auth(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    async def _account(self, request: web.Request) -> web.Response:
        await self._record(request)
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        return web.json_response({
            "sid": self.account_sid, "friendly_name": "Referral shop", "status": "active",
            "type": "Full", "uri": f"/2010-04-01/Accounts/{self.account_sid}.json",
        })  # fmt: skip

    async def _list_numbers(self, request: web.Request) -> web.Response:
        await self._record(request)
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        wanted = request.query.get("PhoneNumber")
        found = [n for number, n in self.numbers.items() if wanted in (None, number)]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/IncomingPhoneNumbers.json"
        return web.json_response({
            "incoming_phone_numbers": found, "end": max(0, len(found) - 1),
            "first_page_uri": uri, "next_page_uri": None, "page": 0, "page_size": 50,
            "previous_page_uri": None, "start": 0, "uri": uri,
        })  # fmt: skip

    async def _update_number(self, request: web.Request) -> web.Response:
        received = await self._record(request)
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        number = next(
            (n for n in self.numbers.values() if n["sid"] == request.match_info["pn"]), None
        )
        if number is None:
            return _error(404, 20404, "The requested resource was not found")
        fields = {
            "SmsUrl": "sms_url",
            "SmsMethod": "sms_method",
            "StatusCallback": "status_callback",
        }
        for key, value in received.form:
            if key in fields:
                number[fields[key]] = value
        return web.json_response(number)

    async def _service(self, request: web.Request) -> web.Response:
        await self._record(request)
        if not self._basic_auth(request):
            return _error(401, 20003, "Authenticate")
        service = self.services.get(request.match_info["mg"])
        if service is None:
            return _error(404, 20404, "The requested resource was not found")
        return web.json_response(service)

    async def _update_service(self, request: web.Request) -> web.Response:
        received = await self._record(request)
        if not self._basic_auth(request):
            return _error(401, 20003, "Authenticate")
        service = self.services.get(request.match_info["mg"])
        if service is None:
            return _error(404, 20404, "The requested resource was not found")
        for key, value in received.form:
            if key == "UseInboundWebhookOnNumber":
                service["use_inbound_webhook_on_number"] = value.lower() == "true"
            elif key in ("InboundRequestUrl", "InboundMethod", "StatusCallback"):
                service[re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()] = value
        return web.json_response(service)

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
        now = format_datetime(self.clock().astimezone(UTC), usegmt=True)
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


def _listed(message: dict[str, Any], query: Mapping[str, str]) -> bool:
    """Twilio's list filters: To, From, and DateSent on a day (`DateSent>=` and `DateSent<=`
    arrive as the keys `DateSent>` and `DateSent<`); a message not sent yet has no DateSent."""
    if "To" in query and message["to"] != query["To"]:
        return False
    if "From" in query and message["from"] != query["From"]:
        return False
    days = {
        key: date.fromisoformat(query[key][:10])
        for key in ("DateSent", "DateSent>", "DateSent<")
        if key in query
    }
    if not days:
        return True
    if not message["date_sent"]:
        return False
    sent = parsedate_to_datetime(message["date_sent"]).date()
    return (
        days.get("DateSent", sent) == sent
        and days.get("DateSent>", sent) <= sent
        and days.get("DateSent<", sent) >= sent
    )


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
    fake = FakeTwilio(clock=clock.now)
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
