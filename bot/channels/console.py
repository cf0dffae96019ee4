"""The terminal as a channel: one person at a keyboard, or lines piped in by a script."""

from __future__ import annotations

import asyncio
import contextlib
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
        self.shown = (
            0  # messages written so far; tells a turn that got an answer from one that didn't
        )

    @property
    def address(self) -> Address:
        return Address(CHANNEL, self.user)

    def routes(self, inbox: Inbox) -> Sequence[BaseRoute]:
        return ()

    def reach(self) -> frozenset[str] | None:
        return frozenset({self.user})

    async def send(self, message: Outbound) -> str | None:
        self._write(render(message))
        self.shown += 1
        return f"console-{next(self._ids)}"

    def note(self, text: str) -> None:
        """A line from the terminal itself, not a message from the bot."""
        self._write(text)


async def converse(
    console: Console,
    *,
    lines: AsyncIterator[str],
    deliver: Deliver,
    flush: Callable[[], Awaitable[object]],
    clock: Clock,
    profile: Profile,
    unanswered: Callable[[], Awaitable[None]] | None = None,
    poll_every: float | None = None,
) -> int:
    """Feed each line to the engine and show what the outbox then holds for this user.

    With `poll_every`, the outbox is also read while the person is typing, so a thank-you
    queued by another process (a friend joining) appears during the chat. `unanswered` runs
    after a line that got no reply at all."""
    turn = asyncio.Lock()  # one flush at a time: the poller and the typed line share the outbox

    async def shown_by_flush() -> int:
        async with turn:
            before = console.shown
            await flush()
            return console.shown - before

    await shown_by_flush()  # what was queued while they were away (a thank-you, say)
    poller = None if poll_every is None else asyncio.create_task(_poll(shown_by_flush, poll_every))
    handled = 0
    try:
        async for line in lines:
            inbound = Inbound(
                sender=console.address,
                text=line.rstrip("\r\n"),
                event_id=uuid.uuid4().hex,
                received_at=clock.now(),
                profile=profile,
            )
            async with turn:
                before = console.shown
                await deliver(inbound)
                await flush()
                answered = console.shown > before
            if not answered and unanswered is not None:
                await unanswered()
            handled += 1
    finally:
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
    return handled


async def _poll(flush: Callable[[], Awaitable[int]], every: float) -> None:
    # A UI refresh, not a schedule: the outbox rows stay the truth, and the clock decides dues.
    while True:
        await asyncio.sleep(every)
        await flush()
