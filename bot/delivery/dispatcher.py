"""The dispatcher: claims due outbox rows, judges them (opt-out, quiet hours, weekly cap), paces
them at each provider's limit and hands each to its channel.

Rows are the truth. A claim is one lease covering the hold and the send (the send lease outlives
the providers' timeouts), checked just before a send that waited for its slot by a read
(sending.py): one commit per message fewer than a claim lease turned into a send lease.
After a crash, a claimed row whose lease ran out may or may not have reached the person: it is
an uncertain send (sending.py), looked up first where the provider can say, and sent again once
at most, after the uncertain wait. Nothing is lost, and nothing is sent twice where the
provider can be asked.

Rows that have lost their point expire at claim time (retry_policy.py); a channel whose sends
keep failing pauses (breaker.py); a channel whose HTTP client has a bounded pool never has more
sends going than the pool holds (`Bounded`).

A row that may not go yet returns to the outbox without counting an attempt: to the end of quiet
hours, to when the weekly cap frees, or to just before its pacing slot. With a real clock, rows
whose slot is within `hold` wait in memory instead, so that sends land exactly on their slots.
`dispatch_due` sends one row after another (tests, the terminal chat); `run` sends concurrently.
With `shared` pacing each send also claims its slot in the database (shared_pacing.py), so that
several processes on one database keep each provider's limit together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Coroutine, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.core.channel import Bounded, Channel
from bot.core.clock import Clock, to_micros
from bot.core.messages import Address
from bot.core.program import Delivery, Pacing
from bot.core.rendering import COALESCED, Renderer
from bot.core.store import Store, Tx
from bot.core.store.outbox import Claim
from bot.core.store.records import OutboxRow
from bot.delivery.breaker import Breakers
from bot.delivery.delivery_policy import DeliveryPolicy, Verdict
from bot.delivery.dispatch_plan import between_slots, plan_claims, plan_sends
from bot.delivery.pacing import Pacer, with_margin
from bot.delivery.retry_policy import RetryPolicy
from bot.delivery.sending import Observe, Sender
from bot.delivery.shared_pacing import SharedPacing

log = logging.getLogger(__name__)

CLAIM_MARGIN = timedelta(seconds=10)  # a claim outlives the hold and the send lease by this


class Dispatcher:
    def __init__(
        self,
        *,
        store: Store,
        channels: Mapping[str, Channel],
        clock: Clock,
        policy: DeliveryPolicy | None = None,
        renderer: Renderer | None = None,
        pacing: Pacing | None = None,
        hold: timedelta = timedelta(0),
        batch: int = 100,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int | None = None,
        max_in_flight: int = 1000,
        retry: RetryPolicy | None = None,
        breakers: Breakers | None = None,
        observe: Observe | None = None,
        shared: SharedPacing | None = None,
        margin: float = 0.0,
    ) -> None:
        self._store = store
        self._channels = dict(channels)
        # Looked up once: an isinstance check against a Protocol costs tens of µs, per send.
        self._bounded = {n: c for n, c in self._channels.items() if isinstance(c, Bounded)}
        self._clock = clock
        self._policy = policy
        self._renderer = renderer
        # `margin`: a real clock's safety margin on every gap (pacing.REAL_CLOCK_MARGIN).
        self._pacing = None if pacing is None else with_margin(pacing, margin)
        self._pacer = Pacer() if pacing is not None else None
        self._hold = hold
        self._batch = batch
        self._claim_lease = hold + lease + CLAIM_MARGIN
        self._max_in_flight = max_in_flight
        self._retry = retry or RetryPolicy.of(Delivery(), max_attempts=max_attempts)
        self._breakers = breakers or Breakers()
        self._in_flight: Counter[str] = Counter()
        self._sender = Sender(
            store=store,
            channels=self._channels,
            clock=clock,
            pacer=self._pacer,
            hold=hold,
            lease=self._claim_lease,
            retry=self._retry,
            breakers=self._breakers,
            observe=observe,
            shared=shared if pacing is not None else None,
        )
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._starved = False
        self._full: set[str] = set()  # bounded channels a pass left out, all their room taken

    def reach(self) -> dict[str, frozenset[str] | None]:
        return {name: channel.reach() for name, channel in self._channels.items()}

    def refusals(self) -> dict[str, str]:
        """The channels whose provider refused our credentials (paused), with what it said."""
        found = {name: self._breakers.refusal(name) for name in self._channels}
        return {name: why for name, why in found.items() if why is not None}

    def _claimable(self, now: datetime) -> tuple[dict[str, frozenset[str] | None], dict[str, int]]:
        """The channels that may take rows now (not paused by the breaker, room in their pool),
        and how many each may take at most."""
        reach: dict[str, frozenset[str] | None] = {}
        rooms: dict[str, int] = {}
        for name, addresses in self.reach().items():
            room = self._room()
            bounded = self._bounded.get(name)
            if bounded is not None:
                room = min(room, bounded.max_in_flight - self._in_flight[name])
                if room <= 0:
                    self._full.add(name)  # left out until one of its sends finishes
            breaker = self._breakers.room(name, now)
            if breaker is not None:
                room = min(room, breaker)
            if room > 0:
                reach[name], rooms[name] = addresses, room
        return reach, rooms

    def kick(self) -> None:
        """Something was enqueued or the clock ticked: look at the outbox now."""
        self._wake.set()

    async def dispatch_due(self) -> int:
        """Send everything due now, one send after another; returns how many rows were claimed.
        (Tests and the terminal chat call this; `run` sends concurrently.)"""
        handled = 0
        while True:
            claimed, more = await self._pass(inline=True)
            handled += claimed
            if not more:
                return handled

    async def run(self, *, idle: float = 1.0) -> None:
        """Dispatch until cancelled, waking on a kick, when a row falls due or a scope frees."""
        try:
            while True:
                self._wake.clear()
                wake_at: datetime | None = None
                try:
                    more = True
                    while more:
                        more = (await self._pass(inline=False))[1]
                        await asyncio.sleep(0)  # sends due meanwhile go first
                    wake_at = await self.next_wake()
                except Exception:  # a database hiccup must not end delivery for good
                    log.exception("dispatch pass failed")
                timeout = idle
                if wake_at is not None:
                    ahead = (wake_at - self._clock.now()).total_seconds()
                    timeout = min(idle, max(0.0, ahead))
                # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that lands as
                # a kick sets the event, and `run` would never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._wake.wait()
        finally:
            await self._drain()

    async def next_due(self) -> datetime | None:
        async with self._store.autocommit() as tx:
            return await tx.outbox.next_due(reach=self.reach())

    async def next_wake(self) -> datetime | None:
        """When a pass next has something to do: a row falls due or a full channel opens."""
        if self._room() <= 0:
            return None  # a finishing send kicks us
        now = self._clock.now()
        claimable, _ = self._claimable(now)
        claims, wake = plan_claims(claimable, self._pacer, self._pacing, now, self._hold, 1)
        if claims:
            # What the next pass would claim: a paced channel's reminders only once its wide
            # scope frees (`wake` says when), or an overdue one would wake the loop at once,
            # again and again, while the pass claims only answers.
            async with self._store.autocommit() as tx:  # one read
                due = await tx.outbox.next_due_of(claims)
            if due is not None and (wake is None or due < wake):
                wake = due
        for name in self._channels:
            opens = self._breakers.opens_at(name)
            if opens is not None and opens > now and (wake is None or opens < wake):
                wake = opens
        return None if wake is None else between_slots(wake, self._pacer, self._pacing, now)

    async def _drain(self, grace: float = 5.0) -> None:
        """On stop, let sends already going finish (a cut-off send may repeat after restart)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)
        for task in list(self._tasks):
            task.cancel()
        await self._sender.settle()

    def _room(self) -> int:
        return self._max_in_flight - len(self._tasks)

    @property
    def in_flight(self) -> Mapping[str, int]:
        """Sends going per channel (the pool-bound test and the benches read it)."""
        return self._in_flight

    async def _pass(self, *, inline: bool) -> tuple[int, bool]:
        """One claim of due rows; returns (rows claimed, whether more may be waiting)."""
        now = self._clock.now()
        room = self._room()
        self._starved = room <= 0
        limit = min(self._batch, room)
        claimable, rooms = self._claimable(now)
        planned, _ = plan_claims(claimable, self._pacer, self._pacing, now, self._hold, limit)
        claims = [
            Claim(c.reach, min(c.limit, *(rooms[name] for name in c.reach)), c.priority)
            for c in planned
        ]
        if not claims:
            return 0, False
        rows, claimed, more = await self._claim(claims, now, limit)
        sends = plan_sends(rows, self._channels, self._pacer, self._pacing, now, self._hold)
        if sends.back or sends.later:
            async with self._store.transaction() as tx:
                for row, due in sends.back + sends.later:
                    await tx.outbox.reschedule(
                        row.id, due_at=due, error=row.last_error, count_attempt=False
                    )
                first: dict[Address, datetime] = {}
                for row, due in sends.later:  # in slot order: the first per address counts
                    first.setdefault(row.to, due)
                for address, due in first.items():  # its other rows wait behind it, in order
                    await tx.outbox.hold_back(address, until=due)
        token = to_micros(now + self._claim_lease)
        for held in sends.held:
            self._breakers.probing(held.row.to.channel, now)
            # Sent one after another, a row waits for the sends before it: read again then.
            judged = not inline and not held.row.uncertain
            job = self._sender.send(held.row, held.pace, held.slot, token, judged=judged)
            if inline:
                await job
                await self._sender.flush()
            else:
                self._start(job, held.row.to.channel)
        # Another pass only helps if this one got somewhere (not all rows put back again).
        progress = len(sends.back) + len(sends.later) < claimed
        return claimed, more and progress

    async def _claim(
        self, claims: list[Claim], now: datetime, limit: int
    ) -> tuple[list[OutboxRow], int, bool]:
        """Settle the sends whose process died, then claim and judge, in one transaction:
        skips and deferrals commit with the claim."""
        rows: list[OutboxRow] = []
        more = False
        async with self._store.transaction() as tx:
            for row, ran_out in await tx.outbox.lapsed(now=now, reach=self.reach(), limit=limit):
                await self._sender.lapsed(tx, row, ran_out)
            each = await tx.outbox.claim_due_each(claims, now=now, lease=self._claim_lease)
            for claim, got in zip(claims, each, strict=True):
                rows.extend(got)
                more = more or len(got) == claim.limit
            rows = await self._unexpired(tx, rows, now)
            rows.sort(key=lambda row: (row.priority, row.due_at, row.id))
            verdicts: list[Verdict] = (
                await self._policy.judge_all(tx, rows, now)
                if self._policy is not None
                else [Verdict()] * len(rows)
            )
            go = []
            for row, verdict in zip(rows, verdicts, strict=True):
                if verdict.skip:
                    await tx.outbox.mark_skipped(row.id, reason=verdict.why)
                elif verdict.until is not None:
                    why = f"deferred: {verdict.why}"
                    await tx.outbox.defer(row.id, until=verdict.until, why=why)
                elif verdict.text is not None:  # other words in its place: a notice
                    await tx.outbox.replace_message(row.id, verdict.text)
                    go.append(replace(row, text=verdict.text, buttons=(), markup=False))
                else:
                    go.append(row)
            if self._renderer is not None and go:
                go = await self._rendered(tx, go, now)
        return go, len(rows), more

    async def _rendered(self, tx: Tx, rows: list[OutboxRow], now: datetime) -> list[OutboxRow]:
        """Words that depend on when they are sent, rendered now (see bot/core/rendering.py)."""
        assert self._renderer is not None
        out = []
        for rendered in await self._renderer.render(tx, rows, now):
            for absorbed in rendered.absorbs:
                await tx.outbox.mark_skipped(absorbed, reason=COALESCED)
            before = next((r for r in rows if r.id == rendered.row.id), None)
            if before is not None and before.text != rendered.row.text:
                await tx.outbox.set_text(rendered.row.id, rendered.row.text)
            out.append(rendered.row)
        return out

    async def _unexpired(self, tx: Tx, rows: list[OutboxRow], now: datetime) -> list[OutboxRow]:
        """Rows past their point (a reply after an hour, a reminder after a day) are recorded as
        expired instead of sent."""
        kept: list[OutboxRow] = []
        for row in rows:
            after = self._retry.expired(row, now)
            if after is None:
                kept.append(row)
                continue
            if row.attempts > 1:  # it failed before (this claim counts one): dead, with why
                why = f"gave up: a {row.kind} still failing after {after} ({row.last_error})"
                await tx.outbox.mark_dead(row.id, error=why)
                await tx.outbox.note(row.id, "dead", at=now, detail=why)
                continue
            why = f"expired: a {row.kind} not sent within {after}"
            await tx.outbox.mark_skipped(row.id, reason=why)
            await tx.outbox.note(row.id, "expired", at=now, detail=why)
        return kept

    def _start(self, job: Coroutine[Any, Any, None], channel: str) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        self._in_flight[channel] += 1

        def finished(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._in_flight[channel] -= 1
            # Only a send that makes room where a pass found none is worth another pass.
            if self._starved or channel in self._full:
                self._full.discard(channel)
                self.kick()

        task.add_done_callback(finished)
