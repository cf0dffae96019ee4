"""The dispatcher: claims due outbox rows and hands each to its channel, at send time re-checking
that the person still wants to hear from us.

Rows are the truth. A crash mid-send leaves the row leased; when the lease runs out it is due
again, so nothing is lost and only the sends in flight at the crash can repeat.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.channels.base import Channel, DeliveryFailed
from bot.core.clock import Clock
from bot.core.messages import Outbound
from bot.core.store import Store
from bot.core.store.records import OutboxRow

log = logging.getLogger(__name__)

# Kinds that may reach an opted-out address: the one confirmation that STOP worked.
PAST_OPT_OUT = frozenset({"optout_confirmation"})


def backoff(attempts: int, *, base: float = 2.0, cap: float = 3600.0) -> timedelta:
    """Exponential backoff with jitter, so retries of many rows do not land together."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


class Dispatcher:
    def __init__(
        self,
        *,
        store: Store,
        channels: Mapping[str, Channel],
        clock: Clock,
        batch: int = 50,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 8,
    ) -> None:
        self._store = store
        self._channels = dict(channels)
        self._clock = clock
        self._batch = batch
        self._lease = lease
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()

    def reach(self) -> dict[str, frozenset[str] | None]:
        return {name: channel.reach() for name, channel in self._channels.items()}

    def kick(self) -> None:
        """Something was enqueued or the clock ticked: look at the outbox now."""
        self._wake.set()

    async def dispatch_due(self) -> int:
        """Send everything due now; returns how many rows were handled."""
        handled = 0
        while True:
            async with self._store.transaction() as tx:
                rows = await tx.outbox.claim_due(
                    now=self._clock.now(), reach=self.reach(), limit=self._batch, lease=self._lease
                )
            for row in rows:
                await self._deliver(row)
            handled += len(rows)
            if len(rows) < self._batch:
                return handled

    async def next_due(self) -> datetime | None:
        async with self._store.transaction() as tx:
            return await tx.outbox.next_due(reach=self.reach())

    async def run(self, *, idle: float = 1.0) -> None:
        """Dispatch until cancelled, waking on a kick or when the next row falls due."""
        while True:
            self._wake.clear()
            try:
                await self.dispatch_due()
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("dispatch pass failed")
            upcoming = await self.next_due()
            timeout = idle
            if upcoming is not None:
                timeout = min(idle, max(0.0, (upcoming - self._clock.now()).total_seconds()))
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                pass

    async def _deliver(self, row: OutboxRow) -> None:
        channel = self._channels[row.to.channel]
        async with self._store.transaction() as tx:
            identity = await tx.participants.identity(row.to)
        if identity is not None and row.kind not in PAST_OPT_OUT:
            if identity.opted_out or identity.unreachable:
                reason = "opted_out" if identity.opted_out else "unreachable"
                async with self._store.transaction() as tx:
                    await tx.outbox.mark_skipped(row.id, reason=reason)
                return
        message = Outbound(row.to, row.text, row.buttons, row.reply_to)
        try:
            provider_id = await channel.send(message)
        except DeliveryFailed as failure:
            await self._failed(row, failure)
            return
        except Exception as exc:  # an SDK bug or a network fault: retry like any transient error
            log.exception("send of outbox row %s failed", row.id)
            await self._failed(row, DeliveryFailed("transient", permanent=False, detail=repr(exc)))
            return
        async with self._store.transaction() as tx:
            await tx.outbox.mark_sent(row.id, provider_id=provider_id, at=self._clock.now())

    async def _failed(self, row: OutboxRow, failure: DeliveryFailed) -> None:
        now = self._clock.now()
        async with self._store.transaction() as tx:
            if failure.reason == "opted_out":
                await tx.participants.set_opted_out(row.to, True)
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
