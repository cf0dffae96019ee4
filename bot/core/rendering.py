"""The seam for words rendered when a message is sent rather than when it was queued.

A thank-you held by quiet hours or the weekly cap must not arrive saying "just joined" or
"8 friends so far" when it is 12 by then, and several held ones read better as one summary.
The dispatcher hands the rows it is about to send to a `Renderer` inside the claim's
transaction; what the renderer says goes out, and the rows it absorbed are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.store import Tx
from bot.core.store.records import OutboxRow

COALESCED = "coalesced"  # why an absorbed row was skipped: another row carries its news


@dataclass(frozen=True, slots=True)
class Rendered:
    row: OutboxRow  # the row as it goes out, its text rendered now
    absorbs: tuple[int, ...] = ()  # rows whose news this one now carries


class Renderer(Protocol):
    async def render(self, tx: Tx, rows: Sequence[OutboxRow], now: datetime) -> list[Rendered]:
        """Every row to send, in order; a row left out must be named in some `absorbs`."""
        ...
