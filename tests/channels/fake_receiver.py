"""A business's webhook receiver on loopback: it can be down, fail, recover or say 410 Gone,
and it verifies every delivery with the `standardwebhooks` library, as a real receiver would."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Delivery:
    headers: dict[str, str]
    body: str
    status: int
    verified: dict[str, Any] | None  # the payload, when the signature checked out


class FakeReceiver:
    def __init__(self, *, secret: str = SECRET) -> None:
        self.verifier = Webhook(secret)
        self.deliveries: list[Delivery] = []
        self.answers: list[int] = []  # statuses for the next requests, then 200
        self.gone = False  # the endpoint was removed: 410 Gone to everything
        self.retry_after: str | None = None  # the Retry-After header of answers other than 200
        self.delay = 0.0  # seconds before answering (the delivery is taken all the same)
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self, path: str = "/hooks") -> str:
        app = web.Application()
        app.router.add_post(path, self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}{path}"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def events(self) -> list[dict[str, Any]]:
        """What the receiver accepted and verified, in order."""
        return [d.verified for d in self.deliveries if d.verified is not None and d.status == 200]

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.text()
        headers = dict(request.headers)
        status = self.answers.pop(0) if self.answers else 200
        if self.gone:
            status = 410
        try:
            verified = self.verifier.verify(body, headers)
        except WebhookVerificationError:
            verified, status = None, 401
        self.deliveries.append(Delivery(headers, body, status, verified))
        await asyncio.sleep(self.delay)
        text = json.dumps({"ok": status == 200})
        asked = status != 200 and self.retry_after is not None
        wait = {"Retry-After": self.retry_after or ""} if asked else {}
        return web.Response(status=status, text=text, content_type="application/json", headers=wait)
