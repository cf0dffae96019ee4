"""One row's send: wait for its slot, check the claim is still ours (and STOP, with a read: the
claim's lease already covers the send, so no commit), send at the exact moment the pacer
allows, and record what came of it. A send that starts as its claim ends goes on the claim's
own reading of STOP, a moment old (`judged`): one statement in six of a join, end to end.

With shared pacing (shared_pacing.py) the slot is also claimed in the database, just before
it (at `PREPARE`), so that the sends of every process on the database keep each provider's pace.

Failures: a 429 pauses the scope (for every process, with shared pacing) for its retry-after
and the row waits without losing an attempt; refused credentials pause the whole channel at
once (breaker.py), said once at ERROR, and the row waits in its place at no cost; opted-out
and blocked mark the address and skip the row; other permanent failures (invalid number,
channel not found) make the row dead at once; transient ones back off exponentially with
jitter for the retry window (24 h by default, retry_policy.py) and count against the channel's
circuit breaker; an unknown outcome (a lost answer, or a send whose process died: its lease
ran out) is retried once, late, at most, and first looked up where the provider can say what
it took (`Traceable`: Twilio's list of messages), so that such a send is not repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import heapq
import itertools
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from bot.core.channel import Channel, DeliveryFailed, InOrder, Traceable
from bot.core.clock import Clock, from_micros, to_micros
from bot.core.messages import Address
from bot.core.store import Store, Tx
from bot.core.store.outbox import Reachable
from bot.core.store.pace import Sendable
from bot.core.store.records import OutboxRow
from bot.delivery.breaker import Breakers
from bot.delivery.delivery_policy import heeds_stop, refusal
from bot.delivery.dispatch_plan import outbound
from bot.delivery.pacing import Pace, Pacer
from bot.delivery.retry_policy import RetryPolicy
from bot.delivery.shared_pacing import SharedPacing

log = logging.getLogger(__name__)

PREPARE = timedelta(milliseconds=20)  # take the claim this long before the slot
SPIN = 0.002  # seconds: the last stretch before a tight slot is waited without a timer's slack
TURN_TIMEOUT = 1.0  # seconds; a send waiting its turn looks again at least this often
DEFAULT_RETRY_AFTER = 1.0
# A send about to start this long after its claimed slot asks the database whether another
# process claimed after it; if so it takes a fresh slot rather than crowd that one. 10 ms is
# below what the real-clock margin (pacing.py, 1.5%) leaves over a provider's one-second window
# (15 ms), so a send late by less never breaks a limit.
LATE_START = timedelta(milliseconds=10)
# A send starting this soon after its claim goes on the claim's reading of STOP (`judged`).
AT_ONCE = timedelta(milliseconds=20)

Observe = Callable[[str, str], None]  # (channel, outcome): counted in the metrics


class Sender:
    def __init__(
        self,
        *,
        store: Store,
        channels: Mapping[str, Channel],
        clock: Clock,
        pacer: Pacer | None,
        hold: timedelta,
        lease: timedelta = timedelta(seconds=60),  # a claim's: how long a send may be under way
        max_attempts: int | None = None,
        retry: RetryPolicy | None = None,
        breakers: Breakers | None = None,
        observe: Observe | None = None,
        shared: SharedPacing | None = None,
    ) -> None:
        self._shared = shared
        # metrics: (channel, sent | retry | uncertain | dead | skipped | rate_limited | refused)
        self._observe: Observe = observe or (lambda channel, outcome: None)
        self._store = store
        self._channels = channels
        self._clock = clock
        self._pacer = pacer
        self._hold = hold
        self._lease = lease
        self._retry = retry or RetryPolicy(max_attempts=max_attempts)
        self._breakers = breakers or Breakers()
        # Sends waiting for an earlier booking to go, per scope, in slot order.
        self._waiting: dict[str, list[tuple[datetime, int, asyncio.Future[None]]]] = {}
        self._order = itertools.count()
        # Sends the provider took, recorded together: a burst is one transaction, not one each
        # (a crash before the flush, a loop turn later, repeats them like sends in flight).
        self._sent: list[tuple[int, str | None, datetime]] = []
        self._flushing: asyncio.Task[None] | None = None
        self._in_order = {n for n, c in channels.items() if isinstance(c, InOrder) and c.in_order}
        self._lines: dict[Address, asyncio.Lock] = {}  # per address of an InOrder channel

    async def send(
        self, row: OutboxRow, pace: Pace, slot: datetime | None, token: int, *, judged: bool = False
    ) -> None:
        """Never raises: a database fault leaves the claim to run out and the row due again.

        `judged`: the send starts as its claim ends, whose transaction read the person's STOP a
        moment ago; it goes without the last read (a STOP that lands now finds it under way, as
        it would a moment later). A send that goes later than AT_ONCE after its claim (its
        slot, a pause, the send before it) reads again first."""
        reached = False
        try:
            if row.to.channel in self._in_order:  # a lock is FIFO: the claim's order is kept
                # Waiting its turn, the row may have been stopped meanwhile: read again.
                async with self._lines.setdefault(row.to, asyncio.Lock()):
                    reached = await self._send(row, pace, slot, token, False)
            else:
                reached = await self._send(row, pace, slot, token, judged)
        except Exception:
            log.exception("outbox row %s: dispatch failed; it is due again after its lease", row.id)
        finally:
            if not reached:  # a probe that went nowhere must not hold the breaker half-open
                self._breakers.released(row.to.channel)
            if slot is not None and self._pacer is not None:
                self._pacer.cancel(pace, slot)  # a no-op once the send consumed the booking
                self._next_turn(pace)

    async def _send(
        self, row: OutboxRow, pace: Pace, slot: datetime | None, token: int, judged: bool
    ) -> bool:
        """Whether the send reached the provider (and its outcome told the breaker)."""
        paused = self._breakers.paused(row.to.channel, self._clock.now())
        if row.uncertain and not paused and await self._traced(row, pace, token):
            return True
        if slot is not None:
            await self._sleep_until(slot - PREPARE)
        if self._breakers.paused(row.to.channel, self._clock.now()):
            # The channel paused since this row was claimed: back, at no cost to the row.
            await self._put_back(row, row.due_at)
            return False
        if judged:  # only if it goes within AT_ONCE of its claim: its slot, a pause, a wait
            now = self._clock.now()
            ready = now if self._pacer is None else self._pacer.ready_at(pace, slot, now) or now
            judged = ready - (from_micros(token) - self._lease) <= AT_ONCE
        if not self._claims(pace) and not judged and not await self._take(row, token):
            return False  # (with shared pacing the claim's statement checks the row)
        if not await self._until_slot(row, pace, slot, token):
            return False
        sending = self._channels[row.to.channel].send(outbound(row))
        if self._pacer is not None:  # nothing is awaited from the ready check to the send
            self._start_now(pace, slot)
        try:
            provider_id = await sending
        except DeliveryFailed as failure:
            self._tell_breaker(row.to.channel, failure)
            await self._failed(row, failure, pace)
            return True
        except Exception as exc:  # an SDK bug or a network fault: retry like any transient error
            log.exception("send of outbox row %s failed", row.id)
            fault = DeliveryFailed("transient", permanent=False, detail=repr(exc))
            self._tell_breaker(row.to.channel, fault)
            await self._failed(row, fault, pace)
            return True
        self._answered(row.to.channel)
        self._observe(row.to.channel, "sent")
        self._sent.append((row.id, provider_id, self._clock.now()))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self.flush())
        return True

    async def _traced(self, row: OutboxRow, pace: Pace, token: int) -> bool:
        """Before a send whose outcome was unknown goes again, ask the provider (a channel
        that can say): True when that settled the row, found sent, or left to try later because
        the provider could not say. Asked before the slot, which a lookup does not use."""
        channel = self._channels[row.to.channel]
        if not isinstance(channel, Traceable):
            return False
        async with self._store.autocommit() as tx:
            history = await tx.outbox.history(row.id)
        tried = [at for at, event, _ in history if event == "uncertain"]
        # A send starts at most one claim's lease before its failure is recorded.
        since = min(tried) - self._lease if tried else row.created_at
        try:
            found = await channel.find_sent(outbound(row), since=since)
        except DeliveryFailed as failure:
            self._tell_breaker(row.to.channel, failure)
            await self._failed(row, failure, pace)
            return True
        if found is None:
            return False
        self._answered(row.to.channel)
        now = self._clock.now()
        async with self._store.transaction() as tx:
            if await tx.outbox.still_ours(row.id, lease=token) is None:
                return True
            await tx.outbox.mark_sent(row.id, provider_id=found.provider_id, at=now)
            if found.status is not None:
                await tx.outbox.record_delivery(found.provider_id, found.status)
            detail = f"the provider took the send whose outcome was unknown: {found.provider_id}"
            await tx.outbox.note(row.id, "found", at=now, detail=detail)
        self._observe(row.to.channel, "sent")
        return True

    def _tell_breaker(self, channel: str, failure: DeliveryFailed) -> None:
        """An outage is a run of transient or unknown outcomes; any other answer (a 429, a
        refusal, a blocked user) shows the provider up. A business's own receiver failing
        is no outage of the channel: its rows back off on their own."""
        if failure.own_server:
            return
        if failure.reason == "auth":
            self._refused(channel, failure)
        elif failure.reason in ("transient", "uncertain") and not failure.permanent:
            paused = self._breakers.failed(channel, self._clock.now())
            if paused is not None:
                log.warning("%s: %s; channel paused until %s", channel, failure, paused)
        else:
            self._answered(channel)

    def _refused(self, channel: str, failure: DeliveryFailed) -> None:
        """Said once, when the channel's credentials are first refused: every row of the
        channel would say the same, and the probes after the pause say it again."""
        known = self._breakers.refusal(channel) is not None
        until = self._breakers.refused(channel, self._clock.now(), str(failure))
        if not known:
            log.error(
                "%s: the provider refused our credentials (%s); nothing is sent on %s until "
                "they work: its messages wait, and it is tried again from %s",
                channel, failure, channel, f"{until:%Y-%m-%d %H:%M:%S %Z}",
            )  # fmt: skip

    def _answered(self, channel: str) -> None:
        if self._breakers.refusal(channel) is not None:
            log.info("%s: the provider accepts our credentials again; sending resumes", channel)
        self._breakers.answered(channel)

    async def settle(self) -> None:
        """On stop: wait for a recording already under way, then record what is left (a store
        closed under a running flush would leave it waiting for good)."""
        flushing = self._flushing
        if flushing is not None and not flushing.done():
            await asyncio.wait([flushing])
        await self.flush()

    async def flush(self) -> None:
        """Record the sends the provider took (including any that finish meanwhile): one
        statement, standing alone, for all of them."""
        while self._sent:
            sent, self._sent = self._sent, []
            try:
                async with self._store.autocommit() as tx:
                    await tx.outbox.mark_all_sent(sent)
            except Exception:  # their leases run out and they go again: as if in flight
                log.exception("could not record %d sent rows", len(sent))

    async def _take(self, row: OutboxRow, token: int) -> bool:
        """Go ahead unless another dispatcher took the row meanwhile (our lease ran out) or the
        person said STOP since it was claimed. One read: nothing to commit in the common case."""
        async with self._store.autocommit() as tx:
            found = await tx.outbox.still_ours(row.id, lease=token)
        return await self._may_go(row, found)

    async def _may_go(self, row: OutboxRow, found: Reachable | None) -> bool:
        """What the send's last read found: not ours (None), refused (skipped now), or go."""
        if found is None:
            return False
        reason = refusal(row, found.opted_out, found.unreachable)
        if reason is None:
            return True
        async with self._store.transaction() as tx:
            await tx.outbox.mark_skipped(row.id, reason=reason)
        return False

    def _claims(self, pace: Pace) -> bool:
        """Whether this send claims its slot in the database (shared pacing)."""
        return self._shared is not None and bool(pace.scopes)

    async def _until_slot(
        self, row: OutboxRow, pace: Pace, slot: datetime | None, token: int
    ) -> bool:
        """Wait until the send may start (claiming its slot in the database first, with shared
        pacing); False when the row went back to the outbox instead, or may not go."""
        go, claimed = await self._claim_shared(row, pace, slot, token)
        if not go:
            return False
        return self._pacer is None or await self._wait_ready(row, pace, slot, token, claimed)

    async def _claim_shared(
        self, row: OutboxRow, pace: Pace, slot: datetime | None, token: int
    ) -> tuple[bool, datetime | None]:
        """(go, the slot claimed in the database: None when not shared or unpaced); no go when
        the row may not go any more (checked with the claim), or when the slot is beyond the
        hold and the row went back to the outbox until then."""
        if self._shared is None or not pace.scopes:
            return True, None
        now = self._clock.now()
        earliest = now if slot is None or slot < now else slot
        sendable = Sendable(row.id, token, heeds_stop=heeds_stop(row))
        claimed = await self._shared.claim(pace, earliest, self._hold, sendable)
        if claimed.row is None or sendable.refused(claimed.row):
            return await self._may_go(row, claimed.row), None
        if self._pacer is not None:
            for key, free in claimed.free.items():
                self._pacer.shared(key, from_micros(free))
        at = from_micros(claimed.slot)
        if claimed.booked:
            return True, at
        await self._put_back(row, at - self._hold)
        return False, None

    async def _put_back(self, row: OutboxRow, due_at: datetime) -> None:
        """The row returns to the outbox, due at `due_at`, at no cost to its attempts."""
        async with self._store.transaction() as tx:
            await tx.outbox.reschedule(
                row.id, due_at=due_at, error=row.last_error, count_attempt=False
            )

    async def _wait_ready(
        self,
        row: OutboxRow,
        pace: Pace,
        slot: datetime | None,
        token: int,
        claimed: datetime | None,
    ) -> bool:
        """Wait for the slot (and the one claimed in the database), for the real sends before
        this one and for any pause; if that is beyond the hold, the row goes back to the outbox
        until then."""
        assert self._pacer is not None
        spin = SPIN if pace.tight else 0.0
        late_ok = False
        while True:
            now = self._clock.now()
            ready = self._pacer.ready_at(pace, slot, now, claimed)
            if ready is None:  # an earlier booking, due already, goes first: wait for it
                await self._await_turn(pace, slot)
                continue
            if ready <= now and claimed is not None and not late_ok and now - claimed > LATE_START:
                # The loop came round late (a busy machine). Going now would crowd a slot
                # another process claimed after this one: then claim afresh instead.
                assert self._shared is not None
                if await self._shared.start_late(pace, claimed, now):
                    late_ok = True
                else:
                    go, claimed = await self._claim_shared(row, pace, None, token)
                    if not go:
                        return False
                continue  # time passed in the database: look again
            if ready <= now:
                return True
            if claimed is not None and self._pacer.paused_past(pace, claimed):
                # A 429 came after the claim: sent at the pause's end this row would crowd the
                # slots other processes claimed for then. Back to the outbox, in its place.
                await self._put_back(row, row.due_at)
                return False
            if ready - now > self._hold:
                await self._put_back(row, ready - self._hold)
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
            loop = asyncio.get_running_loop()
            loop.call_soon(self._next_turn, pace)
            if self._claims(pace):
                # Claimed sends keep the database's order, not the turns of this process's
                # (Pacer.ready_at), so they follow each other as closely as the slots allow.
                # The request is written by the send's first step, or by a task that step
                # makes (aiohttp on Python 3.11): that task runs a turn later, so two turns
                # from now it is on the wire, and the scopes are busy from then.
                self._pacer.writing(pace)
                loop.call_soon(loop.call_soon, self._written, pace)
            self._pacer.sent(pace, slot, self._clock.now())
        finally:
            if collecting:
                gc.enable()

    def _written(self, pace: Pace) -> None:
        assert self._pacer is not None
        self._pacer.written(pace, self._clock.now())
        self._next_turn(pace)

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
        channel = row.to.channel
        async with self._store.transaction() as tx:
            if failure.reason == "rate_limited":
                # Not the message's fault: the scope pauses and the row waits, attempt refunded.
                wait = timedelta(seconds=failure.retry_after or DEFAULT_RETRY_AFTER)
                if pace.scopes:
                    scope = pace.scopes[0] if failure.wide else pace.scopes[-1]
                    if self._pacer is not None:
                        self._pacer.pause(scope, now + wait)
                    if self._shared is not None:
                        await tx.pace.pause(scope.key, until=to_micros(now + wait))
                # A paused channel is claimed again only when the pause ends, so the row keeps
                # its due time and with it its place in the queue: moved to the pause's end it
                # would wait behind the whole backlog queued before the 429.
                keep = failure.wide and self._pacer is not None
                await tx.outbox.reschedule(
                    row.id,
                    due_at=row.due_at if keep else now + wait,
                    error=str(failure),
                    count_attempt=False,
                )
                self._observe(channel, "rate_limited")
            elif failure.reason == "opted_out":
                await tx.participants.set_opted_out(row.to, True, at=now)
                await tx.outbox.mark_skipped(row.id, reason=str(failure))
                self._observe(channel, "skipped")
            elif failure.reason == "blocked":
                await tx.participants.set_unreachable(row.to, True)
                await tx.outbox.mark_skipped(row.id, reason=str(failure))
                self._observe(channel, "skipped")
            elif failure.reason == "auth":
                # The channel's fault, not the message's: it waits in its place, at no cost.
                await tx.outbox.reschedule(
                    row.id, due_at=row.due_at, error=str(failure), count_attempt=False
                )
                self._observe(channel, "refused")
            elif failure.permanent:
                await self._dead(tx, row, now, str(failure))
            elif failure.reason == "uncertain":
                await self._uncertain(tx, row, now, failure)
            else:
                wait = self._retry.backoff(row.attempts)
                if failure.retry_after is not None:
                    wait = max(wait, timedelta(seconds=failure.retry_after))
                again = self._retry.next_try(row, now, wait)
                if again is None:
                    await self._dead(tx, row, now, str(failure))
                else:
                    await tx.outbox.reschedule(row.id, due_at=again, error=str(failure))
                    self._observe(channel, "retry")

    async def lapsed(self, tx: Tx, row: OutboxRow, ran_out: datetime) -> None:
        """A send whose process stopped before recording what came of it (its claim ran out at
        `ran_out`): it may have reached the person, so it is an unknown outcome like any other.

        Its one retry waits only where the provider can be asked first (Twilio lists what it
        took, once it has it). Elsewhere (Telegram, Slack) the wait was for a slow provider to
        recover, and no provider was slow: the process died, its request went out or did not
        a lease ago, and a retry now repeats it no more often than one ten minutes on. Waiting
        kept every reply claimed at the crash, sent or never started, from the person."""
        lost = DeliveryFailed(
            "uncertain",
            permanent=False,
            detail="the process sending it stopped before recording the outcome (lease ran out)",
        )
        traceable = isinstance(self._channels.get(row.to.channel), Traceable)
        wait = self._retry.uncertain_wait if traceable else timedelta(0)
        await self._uncertain(tx, row, ran_out, lost, wait=wait)

    async def _uncertain(
        self,
        tx: Tx,
        row: OutboxRow,
        now: datetime,
        failure: DeliveryFailed,
        *,
        wait: timedelta | None = None,
    ) -> None:
        """It may have arrived: once more at most, after a long wait (retry_policy.py)."""
        self._observe(row.to.channel, "uncertain")
        await tx.outbox.note(row.id, "uncertain", at=now, detail=str(failure))
        if row.uncertain >= self._retry.uncertain_retries:
            why = f"outcome unknown {row.uncertain + 1} times, not sent again: {failure}"
            await self._dead(tx, row, now, why)
            return
        wait = self._retry.uncertain_wait if wait is None else wait
        await tx.outbox.mark_uncertain(row.id, due_at=now + wait, error=str(failure))

    async def _dead(self, tx: Tx, row: OutboxRow, now: datetime, why: str) -> None:
        await tx.outbox.mark_dead(row.id, error=why)
        await tx.outbox.note(row.id, "dead", at=now, detail=why)
        self._observe(row.to.channel, "dead")
