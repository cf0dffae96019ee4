"""Outbound webhooks to the business (its CRM, Zapier): a channel the dispatcher sends like any
other, one outbox row per event per endpoint, signed per the Standard Webhooks specification
(https://www.standardwebhooks.com/) so receivers verify with the existing libraries.

Failures are the dispatcher's to retry: a receiver that is down, slow, or answers 5xx (or any
4xx but 410) is a transient failure, retried with the dispatcher's backoff, never before the
Retry-After it sent (seconds or an HTTP date), and its own: one dead receiver does not pause
the others (the channel's circuit breaker is for a provider's outage); a 429 waits its
Retry-After with the attempt refunded; `410 Gone` is the receiver's "stop sending here", a
permanent `blocked`, which marks the endpoint stopped (see store/webhook_endpoints.py) so
nothing more is sent to it: deliveries to one endpoint go one at a time (`InOrder`), so those
claimed with the refused one are kept for a resume too, not sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook
from starlette.routing import BaseRoute

from bot.channels.send_timeouts import SendTimeouts
from bot.channels.switches import WEBHOOK
from bot.core.channel import DeliveryFailed, Inbox
from bot.core.config import Settings
from bot.core.messages import Outbound
from bot.core.retry_after import retry_after
from bot.core.store.webhook_events import CHANNEL

REQUIRED = WEBHOOK.required
TIMEOUTS = SendTimeouts()
USER_AGENT = "referral-bot-webhooks/1"


@dataclass(frozen=True, slots=True)
class Answer:
    """What a receiver said to one delivery (`referral-bot webhooks test` prints it)."""

    url: str
    status: int
    body: str


class Webhooks:
    name = CHANNEL
    in_order = True  # one delivery at a time per endpoint: nothing goes past its 410 (InOrder)

    def __init__(
        self,
        *,
        secret: str,
        client: httpx.AsyncClient | None = None,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeouts: SendTimeouts = TIMEOUTS,
    ) -> None:
        self._signer = Webhook(secret)  # raises on a secret that is not base64
        # The providers' 30 s (send_timeouts.py): a CRM slow to answer (Zapier, a busy
        # receiver) took the event all the same, and each timeout sent it again. 10 s gave a
        # receiver answering in 12 s one copy per retry until the row died, 24 h later.
        self.timeout = httpx.Timeout(
            timeouts.read, connect=timeouts.connect, write=timeouts.write, pool=timeouts.pool
        )
        self._client = client or httpx.AsyncClient(timeout=self.timeout)
        # httpx times each read on its own; a receiver trickling its answer is bounded here,
        # inside the dispatcher's 60 s send lease.
        self._total = timeouts.connect + timeouts.total
        # Receivers refuse signatures more than 5 minutes off their clock: sign with real time.
        self._wall = wall

    def routes(self, inbox: Inbox) -> Sequence[BaseRoute]:
        return ()

    def reach(self) -> frozenset[str] | None:
        return None

    def headers(self, message_id: str, body: str) -> dict[str, str]:
        now = self._wall()
        return {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._signer.sign(message_id, now, body),
        }

    async def post(self, url: str, message_id: str, body: str) -> httpx.Response:
        try:
            async with asyncio.timeout(self._total):
                return await self._client.post(
                    url, content=body, headers=self.headers(message_id, body)
                )
        except (httpx.TransportError, TimeoutError) as exc:  # refused, reset, timed out: down
            raise DeliveryFailed(
                "transient", permanent=False, detail=f"{url}: {exc!r}", own_server=True
            ) from exc

    async def send(self, message: Outbound) -> str | None:
        url, body = message.to.id, message.text
        message_id = str(json.loads(body)["id"])
        response = await self.post(url, message_id, body)
        status = response.status_code
        if 200 <= status < 300:
            return f"{message_id}:{status}"
        detail = f"{url} answered {status}"
        if status == 410:
            raise DeliveryFailed(
                "blocked", permanent=True, detail=f"{detail} Gone: endpoint stopped"
            )
        wait = retry_after(response.headers.get("retry-after"), self._wall())
        if status == 429:
            raise DeliveryFailed("rate_limited", permanent=False, detail=detail, retry_after=wait)
        # A 503 (or any error) that says when to come back is not tried again before then.
        raise DeliveryFailed(
            "transient", permanent=False, detail=detail, retry_after=wait, own_server=True
        )

    async def ping(self, url: str, *, at: datetime) -> Answer:
        """A signed `ping` event, sent now and outside the outbox, to test an endpoint."""
        from bot.core.store.webhook_events import event_body

        message_id = f"ping_{int(at.timestamp() * 1000)}"
        body = event_body(message_id, "ping", {}, at=at)
        response = await self.post(url, message_id, body)
        return Answer(url, response.status_code, response.text[:2000])

    async def stop(self) -> None:
        await self._client.aclose()

    async def start(self) -> None:
        return None


def from_settings(settings: Settings) -> Webhooks | None:
    if not settings.webhook_url or not settings.webhook_secret:
        return None
    timeouts = TIMEOUTS.scaled(settings.provider_timeout_scale)
    return Webhooks(secret=settings.webhook_secret, timeouts=timeouts)
