"""Who is due a reminder to share: got their link, and nothing has happened since."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import to_micros
from bot.core.store.database import Connection

_QUIET = (
    "p.referral_count = 0 AND p.segment IN ({segments}) "
    "AND NOT EXISTS (SELECT 1 FROM clicks c WHERE c.referrer_id = p.id) "
)


def _segments(include_b2b: bool) -> str:
    return "'b2c', 'b2b'" if include_b2b else "'b2c'"


class Nudges:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def due_first(
        self, *, shared_before: datetime, include_b2b: bool, limit: int
    ) -> list[int]:
        rows = await self._conn.fetchall(
            "SELECT p.id FROM participants p WHERE p.link_sent_at IS NOT NULL "
            "AND p.link_sent_at <= ? AND "
            + _QUIET.format(segments=_segments(include_b2b))
            + "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = 'reminder:1:' || p.id) "
            "ORDER BY p.id LIMIT ?",
            to_micros(shared_before),
            limit,
        )
        return [int(r[0]) for r in rows]

    async def due_second(
        self, *, reminded_before: datetime, include_b2b: bool, limit: int
    ) -> list[int]:
        rows = await self._conn.fetchall(
            "SELECT p.id FROM participants p JOIN outbox o ON o.dedupe_key = 'reminder:1:' || p.id "
            "WHERE o.status = 'sent' AND o.sent_at <= ? AND "
            + _QUIET.format(segments=_segments(include_b2b))
            + "AND NOT EXISTS (SELECT 1 FROM outbox s WHERE s.dedupe_key = 'reminder:2:' || p.id) "
            "ORDER BY p.id LIMIT ?",
            to_micros(reminded_before),
            limit,
        )
        return [int(r[0]) for r in rows]
