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
        if self._conn.dialect == "postgres":
            return await self._claim_at_once(ordered, earliest=earliest, horizon=horizon, by=by)
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
        if self._conn.dialect == "postgres":
            return await self._start_late_at_once(ordered, slot=slot, now=now, by=by)
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

    async def _claim_at_once(
        self, ordered: list[Booking], *, earliest: int, horizon: int, by: str
    ) -> Claimed:
        """`claim` in one statement, which is one round trip and needs no transaction around
        it. A scope without a row yet gets one (committed with the statement, booking nothing)
        and the claim runs again."""
        keys, busy = [b.scope for b in ordered], [b.busy for b in ordered]
        for _ in range(3):  # a row a concurrent prune deleted in between is made again
            rows = await self._conn.fetchall(_CLAIM, keys, busy, earliest, horizon, by)
            slot, found, booked = int(rows[0][0]), int(rows[0][1]), bool(rows[0][2])
            if found == len(keys):
                break
        else:
            raise RuntimeError(f"pace scopes {keys} could not be made")
        was = {r[3]: (int(r[4]), int(r[5])) for r in rows}
        free = {k: max(earliest, *was[k]) for k in keys}
        if booked:
            free = {b.scope: max(slot + b.busy, was[b.scope][1]) for b in ordered}
        return Claimed(slot, booked, free)

    async def _start_late_at_once(
        self, ordered: list[Booking], *, slot: int, now: int, by: str
    ) -> bool:
        """`start_late` in one statement."""
        return bool(
            await self._conn.fetchval(
                _START_LATE, [b.scope for b in ordered], [b.busy for b in ordered], slot, now, by
            )
        )

    async def _locked(self, keys: list[str]) -> dict[str, tuple[int, int, str]]:
        """(next_free, paused_until, claimed_by) of each scope that has a row, on SQLite: its
        transaction already holds the write lock (BEGIN IMMEDIATE), so these rows too."""
        marks = ", ".join("?" for _ in keys)
        rows = await self._conn.fetchall(
            "SELECT scope, next_free, paused_until, claimed_by FROM pace_scopes "
            f"WHERE scope IN ({marks}) ORDER BY scope",
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


# PostgreSQL's statements take $1 the scopes in key order, $2 their busy times; their rows are
# locked in key order (so two claims never wait for each other in a circle).
_LOCKED = """
WITH wanted AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS w (scope, busy)),
locked AS (
    SELECT p.scope, p.next_free, p.paused_until, p.claimed_by FROM pace_scopes p
    WHERE p.scope = ANY ($1::text[]) ORDER BY p.scope FOR UPDATE
)"""

# `claim` ($3 earliest, $4 the horizon, $5 the claimer): with every row found the slot is
# booked (if within the horizon), else the missing rows are made. Each row of the answer: the
# slot, how many rows were found, whether it was booked, and a scope's row as it was.
_CLAIM = f"""{_LOCKED},
slot AS (
    SELECT GREATEST($3::bigint, MAX(GREATEST(next_free, paused_until))) AS at,
           COUNT(*) AS found FROM locked
),
booked AS (
    UPDATE pace_scopes p SET next_free = slot.at + w.busy, claimed_by = $5::text
    FROM slot, wanted w
    WHERE p.scope = w.scope AND slot.found = cardinality($1::text[])
      AND slot.at - $3::bigint <= $4::bigint
    RETURNING p.scope
),
made AS (
    INSERT INTO pace_scopes (scope, next_free, paused_until)
    SELECT w.scope, 0, 0 FROM wanted w, slot WHERE slot.found < cardinality($1::text[])
    ON CONFLICT (scope) DO NOTHING
)
SELECT slot.at, slot.found, EXISTS (SELECT FROM booked), l.scope, l.next_free, l.paused_until
FROM slot LEFT JOIN locked l ON TRUE
"""

# `start_late` ($3 the slot, $4 now, $5 the claimer): yes when every scope is untouched since
# the claim or last claimed by us; then the untouched ones are held from now.
_START_LATE = f"""{_LOCKED},
judged AS (
    SELECT w.scope, w.busy, COALESCE(l.next_free, 0) = $3::bigint + w.busy AS untouched,
           COALESCE(l.claimed_by, '') = $5::text AS mine
    FROM wanted w LEFT JOIN locked l ON l.scope = w.scope
),
verdict AS (SELECT bool_and(untouched OR mine) AS go FROM judged),
held AS (
    UPDATE pace_scopes p SET next_free = $4::bigint + j.busy FROM judged j, verdict
    WHERE verdict.go AND j.untouched AND p.scope = j.scope AND p.next_free < $4::bigint + j.busy
)
SELECT go FROM verdict
"""
