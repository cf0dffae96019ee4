"""The one way a story commits: a transaction, the work, its effects into the outbox, a kick.

Every message a cause produces is written in the cause's own transaction, so a crash leaves
either the change and its messages or neither; the dispatcher is woken only after the commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from bot.core.clock import Clock
from bot.core.effects import Effects
from bot.core.messages import Address, Outbound
from bot.core.store import Store, Tx
from bot.core.store.outbox import Queued

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sender:
    """Who the effects' replies answer: the address, its provider thread, the participant."""

    address: Address
    reply_to: str | None
    participant_id: int | None


@dataclass(frozen=True, slots=True)
class Done(Generic[T]):
    """What a piece of work came to: its result for the caller, and the messages it causes."""

    result: T
    effects: Effects = field(default_factory=Effects)
    sender: Sender | None = None  # whom `effects.replies` answer; None when there are none


Work = Callable[[Tx, datetime], Awaitable[Done[T]]]


async def enqueue(tx: Tx, effects: Effects, *, at: datetime, sender: Sender | None = None) -> int:
    """Queue the effects, all in one statement; returns how many rows were new (dedupe keys
    decide)."""
    rows: list[Queued] = []
    if sender is not None:
        for reply in effects.replies:
            message = Outbound(sender.address, reply.text, reply.buttons, sender.reply_to)
            rows.append(Queued(message, reply.kind, at, participant_id=sender.participant_id))
    for scheduled, participant_id in effects.scheduled:
        rows.append(
            Queued(
                scheduled.message,
                scheduled.kind,
                scheduled.due_at,
                dedupe_key=scheduled.dedupe_key,
                participant_id=participant_id,
            )
        )
    return await tx.outbox.enqueue_many(rows, at=at) if rows else 0


class UnitOfWork:
    def __init__(self, *, store: Store, clock: Clock, kick: Callable[[], None]) -> None:
        self._store = store
        self._clock = clock
        self._kick = kick

    @property
    def clock(self) -> Clock:
        return self._clock

    async def run(self, work: Work[T]) -> T:
        """Run `work(tx, now)` in one transaction and queue the effects it returns."""
        result, _ = await self.run_counted(work)
        return result

    async def run_counted(self, work: Work[T]) -> tuple[T, int]:
        """`run`, also saying how many messages were queued."""
        now = self._clock.now()
        async with self._store.transaction() as tx:
            done = await work(tx, now)
            queued = await enqueue(tx, done.effects, at=now, sender=done.sender)
        if queued:
            self._kick()
        return done.result, queued
