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

A claim's answer takes a round trip (several under load: ~10 ms on a busy machine), so a send
claimed for "now" would come back already late. A claim is therefore made for the moment its
answer is expected back: now plus the recent claims' time, followed as a moving average.

A send that comes round more than 10 ms after its slot (a busy machine) asks the database
whether another process claimed after it (`claimed_by`, the latest claimer of each scope): if
not, it goes and holds its scopes from its real start; if so, it claims afresh rather than crowd
that process's slot. Measured with bench/scale.py: 0 429s from the provider's "30 in any second"
with one process, 0 or 1 a run with two and four; strict pairwise gaps still come a few ms short
now and then, more often with several processes on a saturated machine.

A claim is one short transaction per send. On PostgreSQL that is on by default; on SQLite a
second process can only share the file on one machine and the extra commit per send costs one
process a little, so it is off unless `SHARED_PACING=on` (see README, "Several processes").

Under a burst, claims that come while one is being made wait and go together, up to
`BATCH_MOST` in one transaction (PaceScopes.claim_each), and so do late-start checks: each is
decided as it would have been alone, in the order they came. A lone claim goes at once, in its
one statement. And a send whose slot is claimed keeps the database's order, not the order it
was booked in this process (Pacer.ready_at): before, each send waited for the one booked
before it to start, and each late one asked the database in turn, so the sends of a process
went one round trip at a time. Measured with bench/telegram_burst.py on PostgreSQL, pacing
lifted, 600 joins: 110 answers/s at 5.5 ms CPU each before, ~230/s at 2.9 ms after.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from bot.core.clock import Clock, to_micros
from bot.core.store import Store, Tx
from bot.core.store.pace import Booking, Claimed, LateStart, Sendable, Wanted
from bot.delivery.pacing import Pace

log = logging.getLogger(__name__)

PRUNE_EVERY = 1000  # claims; then forget scopes idle for `IDLE`
IDLE = timedelta(minutes=10)
# Claims decided in one transaction at most: the sends of a batch start one after another once
# it is back (~0.1 ms each), and a send starting 10 ms after its slot asks again (LATE_START).
BATCH_MOST = 32
_MICROSECOND = timedelta(microseconds=1)
TRAVEL_WEIGHT = 0.2  # of the newest claim's time in the moving average

Ask = TypeVar("Ask")
Answer = TypeVar("Answer")


class Batches(Generic[Ask, Answer]):
    """Asks that come while one is being answered wait, and are answered together: a lone ask
    by `alone`, several by `together` (in the order they came, at most `most` at a time). If
    `together` fails, each is asked alone, so one batch's fault fails only its own asks."""

    def __init__(
        self,
        alone: Callable[[Ask], Awaitable[Answer]],
        together: Callable[[list[Ask]], Awaitable[list[Answer]]],
        most: int,
    ) -> None:
        self._alone = alone
        self._together = together
        self._most = most
        self._waiting: list[tuple[Ask, asyncio.Future[Answer]]] = []
        self._answering: asyncio.Task[None] | None = None

    async def ask(self, ask: Ask) -> Answer:
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((ask, answer))
        if self._answering is None:
            self._answering = asyncio.get_running_loop().create_task(self._answer())
        return await answer

    async def _answer(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._most]
                del self._waiting[: self._most]
                if len(batch) > 1:
                    try:
                        answers = await self._together([ask for ask, _ in batch])
                    except Exception:
                        log.exception("a batch of %d failed; each is asked alone", len(batch))
                    else:
                        for (_, answer), got in zip(batch, answers, strict=True):
                            if not answer.done():  # its sender may have been cancelled
                                answer.set_result(got)
                        continue
                await asyncio.gather(*(self._one(ask, answer) for ask, answer in batch))
        finally:
            self._answering = None

    async def _one(self, ask: Ask, answer: asyncio.Future[Answer]) -> None:
        try:
            got = await self._alone(ask)
        except Exception as exc:
            if not answer.done():
                answer.set_exception(exc)
            return
        if not answer.done():
            answer.set_result(got)


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
    _claiming: dict[int, Batches[Wanted, Claimed]] = field(default_factory=dict)  # by horizon
    _late: Batches[LateStart, bool] | None = None
    # How long a claim's answer takes to come back (µs), alone and in a batch: moving averages.
    _travel: dict[str, float] = field(default_factory=lambda: {"alone": 0.0, "together": 0.0})

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
        span = horizon // _MICROSECOND
        batches = self._claiming.get(span)
        if batches is None:
            batches = self._claiming[span] = Batches(
                lambda one: self._claim_alone(one, span),
                lambda many: self._claim_together(many, span),
                BATCH_MOST,
            )
        return await batches.ask(Wanted(tuple(bookings), to_micros(earliest), row))

    async def _claim_alone(self, one: Wanted, horizon: int) -> Claimed:
        async with self.store.autocommit() as tx:  # one statement on PostgreSQL
            # Not before the connection is ours: a slot claimed for a moment already past, the
            # wait for the pool's turn, would start late (and check again, at a round trip).
            asked = to_micros(self.clock.now())
            start = max(one.earliest, self._back_by("alone", asked))
            claimed = await tx.pace.claim(
                one.bookings, earliest=start, horizon=horizon, by=self.me, row=one.row
            )
            await self._counted(tx, 1)
        self._came_back("alone", asked)
        return claimed

    async def _claim_together(self, many: list[Wanted], horizon: int) -> list[Claimed]:
        async with self.store.transaction() as tx:
            asked = to_micros(self.clock.now())  # as in _claim_alone: once the connection is ours
            start = self._back_by("together", asked)
            started = [Wanted(w.bookings, max(w.earliest, start), w.row) for w in many]
            claimed = await tx.pace.claim_each(started, horizon=horizon, by=self.me)
            await self._counted(tx, len(many))
        self._came_back("together", asked)
        return claimed

    def _back_by(self, way: str, asked: int) -> int:
        """When a claim asked at `asked` is expected back (µs)."""
        return asked + round(self._travel[way])

    def _came_back(self, way: str, asked: int) -> None:
        took = to_micros(self.clock.now()) - asked
        self._travel[way] += TRAVEL_WEIGHT * (took - self._travel[way])

    async def _counted(self, tx: Tx, claims: int) -> None:
        before, self._claims = self._claims, self._claims + claims
        if before // PRUNE_EVERY != self._claims // PRUNE_EVERY:
            await tx.pace.prune(before=to_micros(self.clock.now() - IDLE))

    async def start_late(self, pace: Pace, slot: datetime, now: datetime) -> bool:
        """Whether a send claimed for `slot` may still start `now` (PaceScopes.start_late)."""
        bookings = list(self._bookings(pace))
        if not bookings:
            return True
        if self._late is None:
            self._late = Batches(self._late_alone, self._late_together, BATCH_MOST)
        return await self._late.ask(LateStart(tuple(bookings), to_micros(slot), to_micros(now)))

    async def _late_alone(self, late: LateStart) -> bool:
        async with self.store.autocommit() as tx:
            return await tx.pace.start_late(late.bookings, slot=late.slot, now=late.now, by=self.me)

    async def _late_together(self, lates: list[LateStart]) -> list[bool]:
        async with self.store.transaction() as tx:
            return await tx.pace.start_late_each(lates, by=self.me)

    @staticmethod
    def _bookings(pace: Pace) -> Iterator[Booking]:
        for scope in pace.scopes:
            yield Booking(scope.key, pace.busy_for(scope) // _MICROSECOND)
