"""What deciding code gives back: replies to the sender and messages scheduled for others.

Flows and staff code return `Effects`; a service writes them to the outbox in the transaction
that caused them. Nothing that returns effects ever calls a provider.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.kinds import REPLY, OutboxKind
from bot.core.messages import Button, Scheduled


@dataclass(frozen=True, slots=True)
class Reply:
    """A direct answer to the sender; `kind` lets the dispatcher treat confirmations specially."""

    text: str
    buttons: tuple[Button, ...] = ()
    kind: OutboxKind = REPLY


@dataclass(frozen=True, slots=True)
class Effects:
    replies: tuple[Reply, ...] = ()
    scheduled: tuple[tuple[Scheduled, int | None], ...] = field(default=())  # (message, to whom)

    @classmethod
    def say(cls, text: str, *buttons: Button, kind: OutboxKind = REPLY) -> Effects:
        return cls(replies=(Reply(text, buttons, kind),))

    @classmethod
    def schedule(cls, message: Scheduled, to: int | None = None) -> Effects:
        return cls(scheduled=((message, to),))

    @classmethod
    def joined(cls, parts: Iterable[Effects]) -> Effects:
        """Many effects as one, in order, without re-copying a growing tuple each time."""
        listed = list(parts)
        return cls(
            tuple(r for p in listed for r in p.replies),
            tuple(s for p in listed for s in p.scheduled),
        )

    def __add__(self, other: Effects) -> Effects:
        return Effects(self.replies + other.replies, self.scheduled + other.scheduled)
