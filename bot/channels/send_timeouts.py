"""How long each provider's send may take, and whether a failed one may have arrived.

Chosen deliberately (issue #13): long enough for a provider's slow day, so that a slow answer is
an answer and not a timeout followed by a duplicate, and well inside the dispatcher's send
lease (60 s), so that no other process takes a row whose send may still be going.

| provider | connect | write | read (the answer) | pool wait | in flight / pool |
|---|---|---|---|---|---|
| Telegram (PTB on aiohttp) | 10 s | - | 30 s | in connect | 100 / 128 connections |
| Twilio (AsyncTwilioHttpClient, aiohttp, total) | - | - | 30 s in all | - | 80 / 100 connections |
| Slack (slack_sdk AsyncWebClient, total) | - | - | 30 s in all | - | 50 (a session per call) |

PTB's defaults (5 s read, 1 s pool) made a Telegram that answered in 6 s a timeout, and every
retry another copy. Telegram's calls go through aiohttp: its `connect` covers the wait for a
pooled connection, and connect plus read (40 s) bound a call in all. The pool is larger than
the dispatcher's cap on sends in flight, so the pool wait is never reached. `scale`
(PROVIDER_TIMEOUT_SCALE, tests only) shrinks every value together with the test fakes' delays:
a "25 s" provider then answers in a fraction of a second.

None of the three APIs takes an idempotency key for sending a message (Bot API sendMessage;
Twilio Messages create, whose I-Twilio-Idempotency-Token header is on webhooks Twilio sends us,
not on requests we make; Slack chat.postMessage), so a send that failed after its request was
written is reported as `uncertain` and the dispatcher retries it at most once, late
(bot/delivery/retry_policy.py); Twilio's is first looked up in its list of messages
(sms_lookup.py), and recorded, not sent again, when Twilio took it. A failure before the
request left (refused or timed-out connect) is plain `transient`.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from bot.core.channel import DeliveryFailed


@dataclass(frozen=True, slots=True)
class SendTimeouts:
    connect: float = 10.0
    write: float = 30.0
    read: float = 30.0
    pool: float = 30.0
    total: float = 30.0

    def scaled(self, scale: float) -> SendTimeouts:
        return SendTimeouts(
            connect=self.connect * scale,
            write=self.write * scale,
            read=self.read * scale,
            pool=self.pool * scale,
            total=self.total * scale,
        )


TELEGRAM_POOL = 128
TELEGRAM_IN_FLIGHT = 100
TWILIO_IN_FLIGHT = 80  # aiohttp's connector holds 100 connections by default
SLACK_IN_FLIGHT = 50


def aiohttp_failure(exc: BaseException) -> DeliveryFailed:
    """Twilio's and Slack's SDKs send through aiohttp: did the request leave before it failed?

    A connect that failed or timed out never reached the provider. A timeout otherwise (the
    total covers the wait for the answer), a disconnect or reset mid-exchange, or a broken
    answer may follow a request the provider acted on."""
    detail = said(exc)
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return DeliveryFailed("transient", permanent=False, detail=detail)
    if isinstance(
        exc,
        TimeoutError
        | aiohttp.ServerDisconnectedError
        | aiohttp.ClientOSError
        | aiohttp.ClientPayloadError,
    ):
        return DeliveryFailed("uncertain", permanent=False, detail=detail)
    return DeliveryFailed("transient", permanent=False, detail=detail)


def said(exc: BaseException) -> str:
    """An exception as the outbox's history and the dashboard show it, like Telegram's
    ("aiohttp.ClientConnectorError: Cannot connect to host ..."): its repr nests the
    connection key's every field and buries the reason."""
    kind = type(exc).__name__
    if type(exc).__module__.startswith("aiohttp"):
        kind = f"aiohttp.{kind}"
    text = str(exc)
    return f"{kind}: {text}" if text else kind
