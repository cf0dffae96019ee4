"""SMS through Twilio: signed webhooks in (see `sms_webhook`), `messages.create_async` out.

SMS has no buttons, so a reply's buttons become the keywords to text back, on one line after the
text: `LINK: My link / COUNT: My referrals` (just `LINK` when the label says the same). The
separators are in the GSM-7 alphabet, so an English reply stays GSM-7 and a short one stays one
segment; a Korean or Chinese reply is UCS-2 anyway. Bodies are clipped to Twilio's 1600
characters rather than refused.

Twilio's errors become `DeliveryFailed`: 21610 (the person texted STOP) is an opt-out that is
never retried; a bad number is permanent; refused credentials (401/20003) pause the channel
until they work (the dispatcher's breaker); 429/20429, 5xx, network errors and 4xx codes we
don't know are retried with backoff, and dead after the dispatcher's limit.
A send that timed out after its request left is looked up in Twilio's list of messages before
it goes again (`find_sent`, sms_lookup.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiohttp
from starlette.routing import BaseRoute
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from bot.channels.send_timeouts import TWILIO_IN_FLIGHT, SendTimeouts, aiohttp_failure
from bot.channels.sms_http import DEFAULT_RETRY_AFTER, RetryAfter, SdkHttp
from bot.channels.sms_lookup import find_sent
from bot.channels.sms_webhook import STATUS_PATH, webhook_routes
from bot.channels.switches import SMS
from bot.core.channel import DeliveryFailed, Inbox, Sent
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.messages import Outbound, typed
from bot.core.sms_text import sms_segments

CHANNEL = "sms"
REQUIRED = SMS.required

MAX_BODY = 1600  # https://www.twilio.com/docs/glossary/what-sms-character-limit
ROUTINE_SEGMENTS = 2  # what a routine reply fits in (DESIGN: Languages); each one is billed
SEND_TIMEOUT = SendTimeouts().total  # seconds; see send_timeouts.py

# https://www.twilio.com/docs/api/errors/{code}
OPTED_OUT = frozenset({21610})
INVALID_ADDRESS = frozenset({21211, 21612, 21614})
AUTH = frozenset({20003})
CREDENTIALS = "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"  # what an auth failure asks to fix
RATE_LIMITED = frozenset({20429, 21611})  # 21611: the sender's queue is full, try later
NOT_FOUND = frozenset({20404})


def render(message: Outbound) -> str:
    """The text, then the buttons as keywords to text back, clipped to one Twilio body.

    The keyword line is a convenience: it never makes a reply of one or two segments longer
    (a Korean link reply is two segments, three with "COUNT: 내 추천 / TOP: 순위"), so it
    shrinks to the bare keywords, or is left off, when it would.
    """
    text = message.text
    buttons = typed(message.buttons)  # a share button's link is in the text already
    if not buttons:
        return clip(text)
    labelled = " / ".join(
        b.value if b.label.casefold() == b.value.casefold() else f"{b.value}: {b.label}"
        for b in buttons
    )
    if not text:
        return clip(labelled)
    budget = max(ROUTINE_SEGMENTS, sms_segments(text))
    for choices in (labelled, " / ".join(b.value for b in buttons)):
        if sms_segments(f"{text}\n{choices}") <= budget:
            return clip(f"{text}\n{choices}")
    return clip(text)


def clip(text: str, limit: int = MAX_BODY) -> str:
    """At most `limit` UTF-16 units (what Twilio counts), never splitting a character."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def failure(exc: Exception) -> DeliveryFailed:
    """What the dispatcher should do about an exception from a send."""
    if isinstance(exc, RetryAfter):
        return DeliveryFailed(
            "rate_limited", permanent=False, detail=str(exc), retry_after=exc.retry_after
        )
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        return _api_failure(int(exc.status), exc.code, detail=f"{exc.status}/{exc.code}")
    # aiohttp.ClientError, OSError and TimeoutError: the network, not the message; whether
    # Twilio may have created the message decides between transient and uncertain.
    return aiohttp_failure(exc)


def _api_failure(status: int, code: int | None, *, detail: str) -> DeliveryFailed:
    if code in OPTED_OUT:
        return DeliveryFailed("opted_out", permanent=True, detail=detail)
    if code in INVALID_ADDRESS:
        return DeliveryFailed("invalid_address", permanent=True, detail=detail)
    if status == 401 or code in AUTH:
        return DeliveryFailed("auth", permanent=False, detail=f"{detail}; check {CREDENTIALS}")
    if status == 429 or code in RATE_LIMITED:
        return DeliveryFailed(
            "rate_limited", permanent=False, detail=detail, retry_after=DEFAULT_RETRY_AFTER
        )
    if status == 404 or code in NOT_FOUND:
        return DeliveryFailed("not_found", permanent=True, detail=detail)
    # 5xx, and 4xx codes we don't know: retried with backoff, dead after the dispatcher's limit.
    return DeliveryFailed("transient", permanent=False, detail=detail)


class TwilioSms:
    """Delivers to any phone number; holds one SDK client and its HTTP session."""

    name = CHANNEL
    max_in_flight = TWILIO_IN_FLIGHT

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        public_base_url: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        api_base_url: str | None = None,
        clock: Clock | None = None,
        timeout: float = SEND_TIMEOUT,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("a sender is needed: from_number or messaging_service_sid")
        self._auth_token = auth_token
        self._public_base_url = public_base_url.rstrip("/")
        self._from = from_number
        self._service = messaging_service_sid
        self._clock = clock or SystemClock()
        self._http = SdkHttp(timeout=timeout, wall=self._clock.now)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        if api_base_url:
            # No constructor argument for this; the Api domain's base_url is what requests use.
            self._client.api.base_url = api_base_url.rstrip("/")

    def routes(self, inbox: Inbox) -> Sequence[BaseRoute]:
        return webhook_routes(
            inbox,
            auth_token=self._auth_token,
            public_base_url=self._public_base_url,
            clock=self._clock,
        )

    def reach(self) -> frozenset[str] | None:
        return None

    def segments(self, message: Outbound) -> int:
        """The segments of the body as sent (buttons included): what the sender is paced by."""
        return sms_segments(render(message))

    async def start(self) -> None:
        self._http.open()

    async def stop(self) -> None:
        await self._http.close()

    async def send(self, message: Outbound) -> str | None:
        # Both may be set: Twilio then sends from the number with the service's features.
        sender: dict[str, str] = {}
        if self._service:
            sender["messaging_service_sid"] = self._service
        if self._from:
            sender["from_"] = self._from
        try:
            created = await self._client.messages.create_async(
                to=message.to.id,
                body=render(message),
                status_callback=self._public_base_url + STATUS_PATH,
                **sender,
            )
        except (
            RetryAfter,
            TwilioRestException,
            TwilioServiceException,
            aiohttp.ClientError,
            OSError,
            TimeoutError,
        ) as exc:
            raise failure(exc) from exc
        sid = created.sid
        return sid if isinstance(sid, str) else None

    async def find_sent(self, message: Outbound, *, since: datetime) -> Sent | None:
        """Whether Twilio took this message since `since` (a send that timed out): see
        sms_lookup.py."""
        return await find_sent(
            self._client.messages,
            to=message.to.id,
            body=render(message),
            since=since,
            from_number=self._from,
            service=self._service,
        )


def from_settings(settings: Settings, *, clock: Clock | None = None) -> TwilioSms | None:
    """The channel when its credentials are set, else None (app.py logs REQUIRED)."""
    sender = settings.twilio_from_number or settings.twilio_messaging_service_sid
    if not (settings.twilio_account_sid and settings.twilio_auth_token and sender):
        return None
    return TwilioSms(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        public_base_url=settings.public_base_url,
        from_number=settings.twilio_from_number,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        api_base_url=settings.twilio_api_base_url,
        clock=clock,
        timeout=SEND_TIMEOUT * settings.provider_timeout_scale,
    )
