"""One row's send: wait for its slot, take the claim for the send (re-checking opt-out), send at
the exact moment the pacer allows, and record what came of it.

Failures: a 429 pauses the scope for its retry-after and the row waits without losing an
attempt; opted-out and blocked mark the address and skip the row; other permanent failures
(invalid number, channel not found, auth) make the row dead at once; transient ones back off
exponentially with jitter until the row is dead after `max_attempts`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import heapq
import itertools
import logging
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from bot.core.channel import Channel, DeliveryFailed
from bot.core.clock import Clock
from bot.core.store import Store
from bot.core.store.records import OutboxRow
from bot.delivery.delivery_policy import opted_out
from bot.delivery.dispatch_plan import outbound
from bot.delivery.pacing import Pace, Pacer

log = logging.getLogger(__name__)

PREPARE = timedelta(milliseconds=20)  # take the claim this long before the slot
SPIN = 0.002  # seconds: the last stretch before a tight slot is waited without a timer's slack
TURN_TIMEOUT = 1.0  # seconds; a send waiting its turn looks again at least this often
DEFAULT_RETRY_AFTER = 1.0


def backoff(attempts: int, *, base: float = 2.0, cap: float = 3600.0) -> timedelta:
    """Exponential backoff with jitter, so retries of many rows do not land together."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


class Sender:
    def __init__(
        self,
        *,
        store: Store,
        channels: Mapping[str, Channel],
        clock: Clock,
        pacer: Pacer | None,
        hold: timedelta,
        lease: timedelta,
        max_attempts: int,
    ) -> None:
        self._store = store
        self._channels = channels
        self._clock = clock
        self._pacer = pacer
        self._hold = hold
        self._lease = lease
        self._max_attempts = max_attempts
        # Sends waiting for an earlier booking to go, per scope, in slot order.
        self._waiting: dict[str, list[tuple[datetime, int, asyncio.Future[None]]]] = {}
        self._order = itertools.count()
        # Sends the provider took, recorded together: a burst is one transaction, not one each
        # (a crash before the flush, a loop turn later, repeats them like sends in flight).
        self._sent: list[tuple[int, str | None, datetime]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def send(self, row: OutboxRow, pace: Pace, slot: datetime | None, token: int) -> None:
        """Never raises: a database fault leaves the claim to run out and the row due again."""
        try:
            await self._send(row, pace, slot, token)
        except Exception:
            log.exception("outbox row %s: dispatch failed; it is due again after its lease", row.id)
        finally:
            if slot is not None and self._pacer is not None:
                self._pacer.cancel(pace, slot)  # a no-op once the send consumed the booking
                self._next_turn(pace)

    async def _send(self, row: OutboxRow, pace: Pace, slot: datetime | None, token: int) -> None:
        if slot is not None:
            await self._sleep_until(slot - PREPARE)
        if not await self._take(row, token):
            return
        if self._pacer is not None and not await self._wait_ready(row, pace, slot):
            return
        sending = self._channels[row.to.channel].send(outbound(row))
        if self._pacer is not None:  # nothing is awaited from the ready check to the send
            self._start_now(pace, slot)
        try:
            provider_id = await sending
        except DeliveryFailed as failure:
            await self._failed(row, failure, pace)
            return
        except Exception as exc:  # an SDK bug or a network fault: retry like any transient error
            log.exception("send of outbox row %s failed", row.id)
            fault = DeliveryFailed("transient", permanent=False, detail=repr(exc))
            await self._failed(row, fault, pace)
            return
        self._sent.append((row.id, provider_id, self._clock.now()))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self.flush())

    async def flush(self) -> None:
        """Record the sends the provider took (including any that finish meanwhile)."""
        while self._sent:
            sent, self._sent = self._sent, []
            try:
                async with self._store.transaction() as tx:
                    for row_id, provider_id, at in sent:
                        await tx.outbox.mark_sent(row_id, provider_id=provider_id, at=at)
            except Exception:  # their leases run out and they go again: as if in flight
                log.exception("could not record %d sent rows", len(sent))

    async def _take(self, row: OutboxRow, token: int) -> bool:
        """The claim becomes a send lease, unless another dispatcher took the row meanwhile or
        the person said STOP since it was claimed."""
        now = self._clock.now()
        async with self._store.transaction() as tx:
            if not await tx.outbox.hold(row.id, lease=token, until=now + self._lease):
                return False
            reason = await opted_out(tx, row)
            if reason is not None:
                await tx.outbox.mark_skipped(row.id, reason=reason)
                return False
        return True

    async def _wait_ready(self, row: OutboxRow, pace: Pace, slot: datetime | None) -> bool:
        """Wait for the slot, for the real sends before this one and for any pause; if that is
        beyond the hold, the row goes back to the outbox until then."""
        assert self._pacer is not None
        spin = SPIN if pace.tight else 0.0
        while True:
            now = self._clock.now()
            ready = self._pacer.ready_at(pace, slot, now)
            if ready is None:  # an earlier booking, due already, goes first: wait for it
                await self._await_turn(pace, slot)
                continue
            if ready <= now:
                return True
            if ready - now > self._hold:
                async with self._store.transaction() as tx:
                    await tx.outbox.reschedule(
                        row.id, due_at=ready - self._hold, error=row.last_error, count_attempt=False
                    )
                return False
            await self._sleep_until(ready, spin)

    def _start_now(self, pace: Pace, slot: datetime | None) -> None:
        """Record the send as starting now. The collector is kept out from the clock reading to
        the hand-over: a pause in between would be a send later than the pacer believes, and
        the next one would follow it too closely."""
        assert self._pacer is not None
        collecting = gc.isenabled()
        gc.disable()
        try:  # allocate before reading the clock, and nothing between here and the send
            asyncio.get_running_loop().call_soon(self._next_turn, pace)
            self._pacer.sent(pace, slot, self._clock.now())
        finally:
            if collecting:
                gc.enable()

    def _next_turn(self, pace: Pace) -> None:
        """A booking went (sent or given back): wake the next send waiting its turn in each of
        its scopes, only that one (waking them all, at every send, swamps the loop)."""
        for scope in pace.scopes:
            line = self._waiting.get(scope.key)
            while line:
                turn = heapq.heappop(line)[2]
                if not turn.done():
                    turn.set_result(None)
                    break
            if not line:
                self._waiting.pop(scope.key, None)

    async def _await_turn(self, pace: Pace, slot: datetime | None) -> None:
        turn = asyncio.get_running_loop().create_future()
        for scope in pace.scopes:
            line = self._waiting.setdefault(scope.key, [])
            heapq.heappush(
                line, (slot or datetime.min.replace(tzinfo=UTC), next(self._order), turn)
            )
        with contextlib.suppress(TimeoutError):  # the timeout only guards against a lost turn
            await asyncio.wait_for(turn, TURN_TIMEOUT)

    async def _sleep_until(self, when: datetime, spin: float = 0.0) -> None:
        """Timers wake up to a millisecond late; within `spin` of the moment, keep yielding."""
        while True:
            left = (when - self._clock.now()).total_seconds()
            if left <= 0:
                return
            await asyncio.sleep(left - spin if left > spin else 0)

    async def _failed(self, row: OutboxRow, failure: DeliveryFailed, pace: Pace) -> None:
        now = self._clock.now()
        async with self._store.transaction() as tx:
            if failure.reason == "rate_limited":
                # Not the message's fault: the scope pauses and the row waits, attempt refunded.
                wait = timedelta(seconds=failure.retry_after or DEFAULT_RETRY_AFTER)
                if self._pacer is not None and pace.scopes:
                    self._pacer.pause(pace.scopes[-1], now + wait)
                await tx.outbox.reschedule(
                    row.id, due_at=now + wait, error=str(failure), count_attempt=False
                )
            elif failure.reason == "opted_out":
                await tx.participants.set_opted_out(row.to, True, at=now)
                await tx.outbox.mark_skipped(row.id, reason=str(failure))
            elif failure.reason == "blocked":
                await tx.participants.set_unreachable(row.to, True)
                await tx.outbox.mark_skipped(row.id, reason=str(failure))
            elif failure.permanent or row.attempts >= self._max_attempts:
                await tx.outbox.mark_dead(row.id, error=str(failure))
            else:
                wait = backoff(row.attempts)
                if failure.retry_after is not None:
                    wait = max(wait, timedelta(seconds=failure.retry_after))
                await tx.outbox.reschedule(row.id, due_at=now + wait, error=str(failure))
