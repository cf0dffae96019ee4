"""Processed provider events: each webhook delivery changes things once."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import to_micros
from bot.core.store.database import Connection


class Events:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def first_time(self, channel: str, event_id: str, at: datetime) -> bool:
        """Record the event; False when it was seen before (a retry or a replay)."""
        row = await self._conn.fetchone(
            "INSERT INTO inbound_events (channel, event_id, received_at) VALUES (?, ?, ?) "
            "ON CONFLICT (channel, event_id) DO NOTHING RETURNING 1",
            channel,
            event_id,
            to_micros(at),
        )
        return row is not None
