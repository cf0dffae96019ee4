"""Once-per-period jobs across processes: the row's primary key decides who runs it."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import to_micros
from bot.core.store.database import Connection


class Jobs:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def claim(self, job: str, period: str, *, at: datetime) -> bool:
        """True for exactly one caller per (job, period), whichever process it runs in."""
        row = await self._conn.fetchone(
            "INSERT INTO job_runs (job, period, started_at) VALUES (?, ?, ?) "
            "ON CONFLICT (job, period) DO NOTHING RETURNING 1",
            job,
            period,
            to_micros(at),
        )
        return row is not None

    async def forget(self, job: str, *, before: datetime) -> None:
        """Drop the job's claims of periods started before `before` (they cannot recur)."""
        await self._conn.execute(
            "DELETE FROM job_runs WHERE job = ? AND started_at < ?", job, to_micros(before)
        )
