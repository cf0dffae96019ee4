"""The terminal as a channel: one person at a keyboard, or lines piped in by a script."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from starlette.routing import BaseRoute

from bot.core.channel import Deliver, Inbox
from bot.core.clock import Clock
from bot.core.messages import Address, Inbound, Outbound, Profile, typed

CHANNEL = "console"


def render(message: Outbound) -> str:
    """Buttons become the keywords a terminal user can type."""
    text = message.text
    buttons = typed(message.buttons)  # a share button's link is in the text already
    if buttons:
        choices = "  ".join(f"[{b.value}] {b.label}" for b in buttons)
        text = f"{text}\n  {choices}"
    return text


class Console:
    """Delivers only to the user at this terminal; messages for others wait for their session."""

    name = CHANNEL

    def __init__(self, *, user: str, write: Callable[[str], None]) -> None:
        self.user = user
        self._write = write
        self._ids = itertools.count(1)

    @property
    def address(self) -> Address:
        return Address(CHANNEL, self.user)

    def routes(self, inbox: Inbox) -> Sequence[BaseRoute]:
        return ()

    def reach(self) -> frozenset[str] | None:
        return frozenset({self.user})

    async def send(self, message: Outbound) -> str | None:
        self._write(render(message))
        return f"console-{next(self._ids)}"


async def converse(
    console: Console,
    *,
    lines: AsyncIterator[str],
    deliver: Deliver,
    flush: Callable[[], Awaitable[object]],
    clock: Clock,
    profile: Profile,
) -> int:
    """Feed each line to the engine and show what the outbox then holds for this user."""
    await flush()  # what was queued while they were away (a thank-you, say)
    handled = 0
    async for line in lines:
        text = line.rstrip("\r\n")
        inbound = Inbound(
            sender=console.address,
            text=text,
            event_id=uuid.uuid4().hex,
            received_at=clock.now(),
            profile=profile,
        )
        await deliver(inbound)
        await flush()
        handled += 1
    return handled
