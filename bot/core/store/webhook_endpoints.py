"""Webhook endpoints the receiver told us to stop sending to (410 Gone), durably.

An event raised while its endpoint is stopped is still written to the outbox for it, as a
skipped row (`KEPT`), not sent: `referral-bot webhooks resume URL --resend` (or `outbox retry`)
sends what the endpoint missed, once it is back. So is every event still waiting for it when it
says 410, claimed with the one it refused or not: each would only hear 410 again.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import to_micros
from bot.core.store.database import Connection

CHANNEL = "webhook"
KEPT = "not sent: the endpoint is stopped (it answered 410 Gone)"


class WebhookEndpoints:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def stop(self, url: str, *, at: datetime, reason: str) -> None:
        await self._conn.execute(
            "INSERT INTO webhook_endpoints (url, stopped_at, reason) VALUES (?, ?, ?) "
            "ON CONFLICT (url) DO NOTHING",
            url,
            to_micros(at),
            reason,
        )
        # In flight (claimed, its send not begun) or queued: kept. A send already on the wire
        # records its own answer over this; one not begun finds its claim gone (still_ours).
        await self._conn.execute(
            "UPDATE outbox SET status = 'skipped', last_error = ?, lease_until = NULL "
            "WHERE channel = ? AND address = ? AND status IN ('scheduled', 'sending')",
            KEPT,
            CHANNEL,
            url,
        )

    async def resume(self, url: str) -> bool:
        """False when the endpoint was not stopped."""
        row = await self._conn.fetchone(
            "DELETE FROM webhook_endpoints WHERE url = ? RETURNING url", url
        )
        return row is not None

    async def missed(self, url: str) -> int:
        """Events the endpoint has not taken and never will unless sent again: those kept while
        it was stopped, and those it answered 410 Gone (skipped rows, as `retry_all` finds)."""
        count = await self._conn.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE status = 'skipped' AND channel = ? AND address = ?",
            CHANNEL,
            url,
        )
        return int(count or 0)

    async def stopped(self) -> set[str]:
        rows = await self._conn.fetchall("SELECT url FROM webhook_endpoints")
        return {row[0] for row in rows}

    async def is_stopped(self, url: str) -> bool:
        row = await self._conn.fetchone("SELECT 1 FROM webhook_endpoints WHERE url = ?", url)
        return row is not None
