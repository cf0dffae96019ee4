"""Lines from the keyboard (editing, history, Ctrl-C) or from a pipe, as one async stream."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

from prompt_toolkit import PromptSession

QUIT = frozenset({"/quit", "/exit"})


async def typed_lines(session: PromptSession[str]) -> AsyncIterator[str]:
    """What the person types; arrow keys edit and recall, Ctrl-C or Ctrl-D ends at once.

    prompt_toolkit reads the keyboard on the event loop itself (no thread blocked in
    `input()`), so the outbox can be shown while the prompt waits and Ctrl-C never hangs."""
    while True:
        try:
            line = await session.prompt_async("> ")
        except (EOFError, KeyboardInterrupt):
            return
        if line.strip() in QUIT:
            return
        yield line


async def piped_lines() -> AsyncIterator[str]:
    """One message a line from standard input, to its end (a script, a file) or to /quit, as
    at the keyboard: sent on as a message, "/quit" would read as QUIT, an opt-out word."""
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if line == "" or line.strip() in QUIT:
            return
        yield line
