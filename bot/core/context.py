"""What deciding code sees: the program's services (`Context`) and one inbound message (`Turn`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.core.effects import Effects
from bot.core.i18n import Catalogs
from bot.core.intents import Reading
from bot.core.messages import Inbound
from bot.core.program import Program
from bot.core.staffing import Staffing
from bot.core.store import Tx
from bot.core.store.records import Identity, Participant


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
    # Provider channels this deployment does not run (no credentials): nothing queued for them
    # would ever go, so a message unprompted goes to another chat of the person's, or not at all.
    off: frozenset[str] = frozenset()


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


Flow = Callable[[Context, Turn], Awaitable[Effects]]
