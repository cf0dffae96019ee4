"""Pacing slots claimed in the database, so that every process sharing it shares each
provider's limits (the scheme, and why, in bot/delivery/shared_pacing.py).

A claim locks the send's scope rows in key order (so two claims never wait for each other in a
circle), takes the latest of now, each scope's next free moment and pause, and moves each
scope's next free moment past the send. All times are UTC microseconds.

Under a burst, the claims (and late-start checks) of many sends are made together
(`claim_each`, `start_late_each`): one transaction locks every scope they touch, decides each
in turn exactly as its own claim would, and writes the scopes once. On PostgreSQL that is five
round trips for the batch instead of one or two for each send, and the busiest scope row (the
provider's global one) is locked once per batch, not once per send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.store import pace_postgres as postgres
from bot.core.store.database import Connection
from bot.core.store.outbox import Outbox, Reachable


@dataclass(frozen=True, slots=True)
class Booking:
    scope: str
    busy: int  # microseconds the send keeps the scope busy


@dataclass(frozen=True, slots=True)
class Sendable:
    """The outbox row a claim is for, checked with it (Outbox.still_ours): no slot is booked
    unless the row is still ours and, if it `heeds_stop`, its address neither said STOP nor
    became unreachable."""

    row_id: int
    lease: int
    heeds_stop: bool

    def refused(self, said: Reachable) -> bool:
        return self.heeds_stop and (said.opted_out or said.unreachable)


_UNSAID = Reachable(False, False)


@dataclass(frozen=True, slots=True)
class Claimed:
    slot: int
    booked: bool
    free: dict[str, int]  # per scope, when its next send may start (booked or not)
    row: Reachable | None = _UNSAID  # the Sendable's check: None when no longer ours


@dataclass(frozen=True, slots=True)
class Wanted:
    """One send's claim in a batch (`PaceScopes.claim_each`): what `claim` is given."""

    bookings: tuple[Booking, ...]
    earliest: int
    row: Sendable


@dataclass(frozen=True, slots=True)
class LateStart:
    """One late send's question in a batch (`PaceScopes.start_late_each`)."""

    bookings: tuple[Booking, ...]
    slot: int
    now: int


@dataclass(slots=True)
class _Scope:
    """A scope's row as a batch holds it locked: read once, decided on in turn, written once."""

    next_free: int
    paused_until: int
    claimed_by: str
    changed: bool = False


class PaceScopes:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def claim(
        self,
        bookings: Sequence[Booking],
        *,
        earliest: int,
        horizon: int,
        by: str = "",
        row: Sendable | None = None,
    ) -> Claimed:
        """The send's slot: the first moment at or after `earliest` free in every scope. It is
        booked only if it is at most `horizon` after `earliest` (a later one is returned, not
        kept: the row goes back to the outbox and claims again nearer the time), and only if
        `row`, when given, may still go."""
        ordered = sorted(bookings, key=lambda b: b.scope)
        if self._conn.dialect == "postgres":
            return Claimed(
                *await postgres.claim(
                    self._conn, ordered, earliest=earliest, horizon=horizon, by=by, row=row
                )
            )
        said = _UNSAID
        if row is not None:
            found = await Outbox(self._conn).still_ours(row.row_id, lease=row.lease)
            if found is None or row.refused(found):
                return Claimed(earliest, False, {}, found)
            said = found
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
            return Claimed(slot, False, free, said)
        for booking in ordered:
            free[booking.scope] = max(slot + booking.busy, rows[booking.scope][1])
            await self._conn.execute(
                "UPDATE pace_scopes SET next_free = ?, claimed_by = ? WHERE scope = ?",
                slot + booking.busy,
                by,
                booking.scope,
            )
        return Claimed(slot, True, free, said)

    async def start_late(
        self, bookings: Sequence[Booking], *, slot: int, now: int, by: str
    ) -> bool:
        """May a send claimed for `slot` start at `now`, later? Yes when in every scope nobody
        claimed after it (its scopes are then held until `now` plus its time) or the last claim
        is this process's own (whose pacer pushes its own next send back); no when another
        process claimed after it: that slot would be crowded."""
        ordered = sorted(bookings, key=lambda b: b.scope)
        if self._conn.dialect == "postgres":
            return await postgres.start_late(self._conn, ordered, slot=slot, now=now, by=by)
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

    async def claim_each(
        self, wanted: Sequence[Wanted], *, horizon: int, by: str = ""
    ) -> list[Claimed]:
        """`claim` for each of `wanted`, in turn, in this transaction: each is decided as its
        own claim would be after the ones before it."""
        scopes = await self._lock_all({b.scope for w in wanted for b in w.bookings})
        reachable = await Outbox(self._conn).still_ours_each(
            [(w.row.row_id, w.row.lease) for w in wanted]
        )
        out = []
        for one in wanted:
            said = reachable.get(one.row.row_id)
            if said is None or one.row.refused(said):
                out.append(Claimed(one.earliest, False, {}, said))
                continue
            ordered = sorted(one.bookings, key=lambda b: b.scope)
            free = {
                b.scope: max(one.earliest, scopes[b.scope].next_free, scopes[b.scope].paused_until)
                for b in ordered
            }
            slot = max(free.values())
            if slot - one.earliest > horizon:
                out.append(Claimed(slot, False, free, said))
                continue
            for booking in ordered:
                scope = scopes[booking.scope]
                scope.next_free, scope.claimed_by, scope.changed = slot + booking.busy, by, True
                free[booking.scope] = max(slot + booking.busy, scope.paused_until)
            out.append(Claimed(slot, True, free, said))
        await self._write(scopes)
        return out

    async def start_late_each(self, lates: Sequence[LateStart], *, by: str) -> list[bool]:
        """`start_late` for each of `lates`, in turn, in this transaction."""
        scopes = await self._lock_all({b.scope for late in lates for b in late.bookings})
        out = []
        for late in lates:
            ordered = sorted(late.bookings, key=lambda b: b.scope)
            untouched = [b for b in ordered if scopes[b.scope].next_free == late.slot + b.busy]
            go = all(scopes[b.scope].claimed_by == by for b in ordered if b not in untouched)
            if go:
                for booking in untouched:
                    scope = scopes[booking.scope]
                    if scope.next_free < late.now + booking.busy:
                        scope.next_free, scope.changed = late.now + booking.busy, True
            out.append(go)
        await self._write(scopes)
        return out

    async def _lock_all(self, keys: set[str]) -> dict[str, _Scope]:
        """Every scope in `keys`, its row locked until the transaction ends; a scope without a
        row gets one (free, unpaused). Existing rows are locked first and new ones made after,
        both in key order, as the one-statement claim on PostgreSQL does (pace_postgres.py):
        two claims never wait for each other in a circle."""
        ordered = sorted(keys)
        if self._conn.dialect == "postgres":
            rows = await postgres.lock_all(self._conn, ordered)
        else:
            rows = await self._locked(ordered)
        scopes = {key: _Scope(*row) for key, row in rows.items()}
        missing = [key for key in ordered if key not in scopes]
        if missing:
            if self._conn.dialect == "postgres":
                made = await postgres.make_all(self._conn, missing)
            else:
                marks = ", ".join("(?, 0, 0)" for _ in missing)
                await self._conn.execute(  # nobody else writes: BEGIN IMMEDIATE holds the lock
                    f"INSERT INTO pace_scopes (scope, next_free, paused_until) VALUES {marks}",
                    *missing,
                )
                made = set(missing)
            for key in missing:
                if key in made:
                    scopes[key] = _Scope(0, 0, "")
            # Made by another process since our first read (PostgreSQL): locked now.
            late = [key for key in missing if key not in made]
            if late:
                for key, row in (await postgres.lock_all(self._conn, late)).items():
                    scopes[key] = _Scope(*row)
        return scopes

    async def _write(self, scopes: dict[str, _Scope]) -> None:
        changed = {key: scope for key, scope in scopes.items() if scope.changed}
        if not changed:
            return
        if self._conn.dialect == "postgres":
            await postgres.write_all(
                self._conn,
                list(changed),
                [s.next_free for s in changed.values()],
                [s.claimed_by for s in changed.values()],
            )
            return
        for key, scope in changed.items():
            await self._conn.execute(
                "UPDATE pace_scopes SET next_free = ?, claimed_by = ? WHERE scope = ?",
                scope.next_free,
                scope.claimed_by,
                key,
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
