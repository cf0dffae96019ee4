"""Rate limits kept in the database, so that every process sharing it counts the same tries
and a restart forgets none (the dashboard's wrong passwords: bot/http/admin/sign_in_limit.py).

Each key's bucket is one row holding its theoretical arrival time (GCRA): a try at `now` moves
it to max(tat, now) + interval, and is allowed while that stays within burst * interval of
`now`. That is a token bucket of `burst` tries refilled one every `interval`, decided by one
upsert: two processes trying the same key at once are serialised on its row, never both let
through on the last try. Times are UTC microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.store.database import Connection

_LATER = "CASE WHEN rate_buckets.tat > ? THEN rate_buckets.tat ELSE ? END"  # max(tat, now)


@dataclass(frozen=True, slots=True)
class Rate:
    burst: int  # tries at once
    interval: int  # microseconds until one more, once they are used


class RateBuckets:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def take(self, key: str, rate: Rate, *, now: int) -> bool:
        """One try of `key` now: False, and nothing counted, when its bucket is empty."""
        row = await self._conn.fetchone(
            "INSERT INTO rate_buckets (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
            f"SET tat = {_LATER} + ? WHERE {_LATER} + ? <= ? RETURNING tat",
            key,
            now + rate.interval,
            now,
            now,
            rate.interval,
            now,
            now,
            rate.interval,
            now + rate.burst * rate.interval,
        )
        return row is not None

    async def give_back(self, key: str, rate: Rate, *, now: int) -> None:
        """Return one try that `take` counted (never more than a full bucket)."""
        await self._conn.execute(
            "UPDATE rate_buckets SET tat = CASE WHEN tat - ? > ? THEN tat - ? ELSE ? END "
            "WHERE key = ?",
            rate.interval,
            now,
            rate.interval,
            now,
            key,
        )

    async def forget(self, key: str) -> None:
        """A full bucket again for `key`."""
        await self._conn.execute("DELETE FROM rate_buckets WHERE key = ?", key)

    async def prune(self, *, now: int) -> int:
        """Delete the buckets that are full again (as good as none); how many."""
        gone = await self._conn.fetchall(
            "DELETE FROM rate_buckets WHERE tat <= ? RETURNING key", now
        )
        return len(gone)
