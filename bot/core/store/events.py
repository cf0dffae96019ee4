"""Processed provider events: each webhook delivery changes things once, within the window in
which a provider may deliver it again (older ids are pruned)."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import to_micros
from bot.core.store.database import Connection, index_key


class Events:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def first_time(self, channel: str, event_id: str, at: datetime) -> bool:
        """Record the event; False when it was seen before (a retry or a replay)."""
        row = await self._conn.fetchone(
            "INSERT INTO inbound_events (channel, event_id, received_at) VALUES (?, ?, ?) "
            "ON CONFLICT (channel, event_id) DO NOTHING RETURNING 1",
            channel,
            index_key(event_id),
            to_micros(at),
        )
        return row is not None

    async def prune(self, *, before: datetime, limit: int) -> int:
        """Forget up to `limit` of the ids received before `before`, oldest first; how many."""
        rows = await self._conn.fetchall(
            "DELETE FROM inbound_events WHERE (channel, event_id) IN ("
            "SELECT channel, event_id FROM inbound_events WHERE received_at < ? "
            "ORDER BY received_at LIMIT ?) RETURNING 1",
            to_micros(before),
            limit,
        )
        return len(rows)
