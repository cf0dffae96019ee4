"""What a flow sees (a `Turn`) and what it gives back (`Effects`); flows never call providers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.core.i18n import Catalogs
from bot.core.intents import Reading
from bot.core.messages import Button, Inbound, Scheduled
from bot.core.program import Program
from bot.core.store import Tx
from bot.core.store.records import Identity, Participant
from bot.staff.access import Staffing


class Links(Protocol):
    """How a participant's code becomes something to share, per channel."""

    def web(self, code: str) -> str: ...

    def deep(self, channel: str, code: str) -> str | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """The services every flow may use, passed explicitly (no ambient state)."""

    catalogs: Catalogs
    links: Links
    program: Program
    staff: Staffing = field(default_factory=Staffing)  # reviewers and notify channel in Slack


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """One inbound message, with who sent it and what the engine read in it."""

    tx: Tx
    inbound: Inbound
    participant: Participant
    identity: Identity
    reading: Reading
    now: datetime
    is_new: bool  # the participant was created by this very message

    @property
    def lang(self) -> str:
        return self.participant.lang


@dataclass(frozen=True, slots=True)
class Reply:
    """A direct answer to the sender; `kind` lets the dispatcher treat confirmations specially."""

    text: str
    buttons: tuple[Button, ...] = ()
    kind: str = "reply"


@dataclass(frozen=True, slots=True)
class Effects:
    replies: tuple[Reply, ...] = ()
    scheduled: tuple[tuple[Scheduled, int | None], ...] = field(default=())  # (message, to whom)

    @classmethod
    def say(cls, text: str, *buttons: Button, kind: str = "reply") -> Effects:
        return cls(replies=(Reply(text, buttons, kind),))

    def __add__(self, other: Effects) -> Effects:
        return Effects(self.replies + other.replies, self.scheduled + other.scheduled)


Flow = Callable[[Context, Turn], Awaitable[Effects]]
