"""Pacing slots claimed in the database, so that every process sharing it shares each
provider's limits (the scheme, and why, in bot/delivery/shared_pacing.py).

A claim locks the send's scope rows in key order (so two claims never wait for each other in a
circle), takes the latest of now, each scope's next free moment and pause, and moves each
scope's next free moment past the send. All times are UTC microseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.store.database import Connection


@dataclass(frozen=True, slots=True)
class Booking:
    scope: str
    busy: int  # microseconds the send keeps the scope busy


@dataclass(frozen=True, slots=True)
class Claimed:
    slot: int
    booked: bool
    free: dict[str, int]  # per scope, when its next send may start (booked or not)


class PaceScopes:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def claim(
        self, bookings: Sequence[Booking], *, earliest: int, horizon: int, by: str = ""
    ) -> Claimed:
        """The send's slot: the first moment at or after `earliest` free in every scope. It is
        booked only if it is at most `horizon` after `earliest` (a later one is returned, not
        kept: the row goes back to the outbox and claims again nearer the time)."""
        ordered = sorted(bookings, key=lambda b: b.scope)
        keys = [b.scope for b in ordered]
        rows = await self._locked(keys)
        if len(rows) < len(keys):  # a scope's first send: make its row, then lock it too
            marks = ", ".join("(?, 0, 0)" for _ in keys)
            await self._conn.execute(
                f"INSERT INTO pace_scopes (scope, next_free, paused_until) VALUES {marks} "
                "ON CONFLICT (scope) DO NOTHING",
                *keys,
            )
            rows = await self._locked(keys)
        free = {key: max(earliest, rows[key][0], rows[key][1]) for key in keys}
        slot = max(free.values())
        if slot - earliest > horizon:
            return Claimed(slot, False, free)
        for booking in ordered:
            free[booking.scope] = max(slot + booking.busy, rows[booking.scope][1])
            await self._conn.execute(
                "UPDATE pace_scopes SET next_free = ?, claimed_by = ? WHERE scope = ?",
                slot + booking.busy,
                by,
                booking.scope,
            )
        return Claimed(slot, True, free)

    async def start_late(
        self, bookings: Sequence[Booking], *, slot: int, now: int, by: str
    ) -> bool:
        """May a send claimed for `slot` start at `now`, later? Yes when in every scope nobody
        claimed after it (its scopes are then held until `now` plus its time) or the last claim
        is this process's own (whose pacer pushes its own next send back); no when another
        process claimed after it: that slot would be crowded."""
        ordered = sorted(bookings, key=lambda b: b.scope)
        found = await self._locked([b.scope for b in ordered])
        untouched = []
        for booking in ordered:
            next_free, _, claimer = found.get(booking.scope, (0, 0, ""))
            if next_free == slot + booking.busy:
                untouched.append(booking)
            elif claimer != by:
                return False
        for booking in untouched:
            await self._conn.execute(
                "UPDATE pace_scopes SET next_free = ? WHERE scope = ? AND next_free < ?",
                now + booking.busy,
                booking.scope,
                now + booking.busy,
            )
        return True

    async def _locked(self, keys: list[str]) -> dict[str, tuple[int, int, str]]:
        """(next_free, paused_until, claimed_by) of each scope that has a row, locked."""
        marks = ", ".join("?" for _ in keys)
        # SQLite has no row locks: its transaction already holds the write lock (BEGIN IMMEDIATE).
        lock = " FOR UPDATE" if self._conn.dialect == "postgres" else ""
        rows = await self._conn.fetchall(
            "SELECT scope, next_free, paused_until, claimed_by FROM pace_scopes "
            f"WHERE scope IN ({marks}) "
            f"ORDER BY scope{lock}",
            *keys,
        )
        return {r[0]: (int(r[1]), int(r[2]), r[3]) for r in rows}

    async def pause(self, scope: str, *, until: int) -> None:
        """The provider said 429: no send in this scope, from any process, before `until`."""
        await self._conn.execute(
            "INSERT INTO pace_scopes (scope, next_free, paused_until) VALUES (?, 0, ?) "
            "ON CONFLICT (scope) DO UPDATE SET paused_until = "
            "CASE WHEN pace_scopes.paused_until > excluded.paused_until "
            "THEN pace_scopes.paused_until ELSE excluded.paused_until END",
            scope,
            until,
        )

    async def prune(self, *, before: int) -> int:
        """Forget scopes idle since `before` (one row per chat would pile up); how many."""
        gone = await self._conn.fetchall(
            "DELETE FROM pace_scopes WHERE next_free < ? AND paused_until < ? RETURNING scope",
            before,
            before,
        )
        return len(gone)
