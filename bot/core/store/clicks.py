"""Clicks on referral links: one per visitor per code per day, with where they came from."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import to_micros
from bot.core.store.database import Connection


class Clicks:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def record(
        self,
        *,
        code: str,
        referrer_id: int,
        visitor: str,
        network: str,
        user_agent: str,
        at: datetime,
    ) -> bool:
        """False when this visitor already clicked this code today."""
        row = await self._conn.fetchone(
            "INSERT INTO clicks (code, referrer_id, visitor, day, network, user_agent, created_at, "
            "channel) VALUES (?, ?, ?, ?, ?, ?, ?, "
            "(SELECT link_channel FROM participants WHERE id = ?)) "
            "ON CONFLICT DO NOTHING RETURNING 1",
            code,
            referrer_id,
            visitor,
            at.date().isoformat(),
            network,
            user_agent[:300],
            to_micros(at),
            referrer_id,  # the reports count a click under its referrer's link channel
        )
        return row is not None

    async def count_for(self, referrer_id: int) -> int:
        return int(
            await self._conn.fetchval(
                "SELECT COUNT(*) FROM clicks WHERE referrer_id = ?", referrer_id
            )
        )

    async def count_from_network(self, network: str, *, since: datetime) -> int:
        return int(
            await self._conn.fetchval(
                "SELECT COUNT(*) FROM clicks WHERE network = ? AND created_at >= ?",
                network,
                to_micros(since),
            )
        )
