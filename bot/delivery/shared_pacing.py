"""Pacing shared by every process on one database: each send claims its slot in the database.

The scheme is GCRA (the generic cell rate algorithm) with its "theoretical arrival time" kept
per scope in `pace_scopes` (bot/core/store/pace.py): a send about to start locks its scopes'
rows, starts at the latest of now, each scope's next free moment and any 429 pause, and moves
each scope's next free moment to its slot plus cost / rate. With no burst allowance this is the
strict schedule of pacing.py, only claimed across processes, so the sum over every `serve` and
`worker` stays under each provider's limit. The in-process Pacer still plans and orders the
sends of one process (and learns from each claim when the shared scope is free next).

Clocks: every process reads the same system clock, but each send starts when its own event
loop gets round to it, a fraction of a millisecond to a few late, and a late send crowds the
next, which another process claimed from the schedule rather than from the late send's real
start. The margin that covers it is the one every real-clock pacer has (pacing.py,
`REAL_CLOCK_MARGIN`, 1.5%: 0.5 ms per Telegram gap, 15 ms per 1/s chat): the rates given here
are already lowered by it, so the shared and the in-process schedules agree.

A send that comes round more than 10 ms after its slot (a busy machine) asks the database
whether another process claimed after it (`claimed_by`, the latest claimer of each scope): if
not, it goes and holds its scopes from its real start; if so, it claims afresh rather than crowd
that process's slot. Measured with bench/scale.py: 0 429s from the provider's "30 in any second"
with 1, 2 and 4 processes; strict pairwise gaps still come a few ms short now and then with
several processes on a saturated machine.

A claim is one short transaction per send. On PostgreSQL that is on by default; on SQLite a
second process can only share the file on one machine and the extra commit per send costs one
process a little, so it is off unless `SHARED_PACING=on` (see README, "Several processes").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.clock import Clock, to_micros
from bot.core.store import Store
from bot.core.store.pace import Booking, Claimed, Sendable
from bot.delivery.pacing import Pace

PRUNE_EVERY = 1000  # claims; then forget scopes idle for `IDLE`
IDLE = timedelta(minutes=10)
_MICROSECOND = timedelta(microseconds=1)


def wanted(mode: str, dialect: str) -> bool:
    """Whether to claim pace in the database (SHARED_PACING): `auto` means on PostgreSQL."""
    return mode == "on" or (mode == "auto" and dialect == "postgres")


@dataclass(slots=True)
class SharedPacing:
    """The database's pace book, as the dispatcher of one process uses it."""

    store: Store
    clock: Clock
    _claims: int = 0
    me: str = field(default_factory=lambda: uuid.uuid4().hex)  # this process, in claimed_by

    async def claim(
        self, pace: Pace, earliest: datetime, horizon: timedelta, row: Sendable
    ) -> Claimed:
        """The slot this send may start at, at or after `earliest`; booked for it unless it is
        more than `horizon` away (then the row goes back to the outbox until nearer) or the
        row may not go any more (checked in the same statement: the send's last read)."""
        bookings = list(self._bookings(pace))
        if not bookings:  # nothing to claim: the row's check alone
            async with self.store.autocommit() as tx:
                said = await tx.outbox.still_ours(row.row_id, lease=row.lease)
            go = said is not None and not row.refused(said)
            return Claimed(to_micros(earliest), go, {}, said)
        async with self.store.autocommit() as tx:  # one statement on PostgreSQL
            # Not before the connection is ours: a slot claimed for a moment already past, the
            # wait for the pool's turn, would start late (and check again, at a round trip).
            start = to_micros(max(earliest, self.clock.now()))
            claimed = await tx.pace.claim(
                bookings, earliest=start, horizon=horizon // _MICROSECOND, by=self.me, row=row
            )
            self._claims += 1
            if self._claims % PRUNE_EVERY == 0:
                await tx.pace.prune(before=to_micros(self.clock.now() - IDLE))
        return claimed

    async def start_late(self, pace: Pace, slot: datetime, now: datetime) -> bool:
        """Whether a send claimed for `slot` may still start `now` (PaceScopes.start_late)."""
        bookings = list(self._bookings(pace))
        if not bookings:
            return True
        async with self.store.autocommit() as tx:
            return await tx.pace.start_late(
                bookings, slot=to_micros(slot), now=to_micros(now), by=self.me
            )

    @staticmethod
    def _bookings(pace: Pace) -> Iterator[Booking]:
        for scope in pace.scopes:
            yield Booking(scope.key, pace.busy_for(scope) // _MICROSECOND)
