"""Effects into the outbox: every message a cause produces, in the cause's own transaction."""

from __future__ import annotations

from datetime import datetime

from bot.core.store import Tx
from bot.flows.base import Effects


async def enqueue_scheduled(tx: Tx, effects: Effects, *, at: datetime) -> int:
    """Queue the effects' scheduled messages; returns how many were new (dedupe keys decide)."""
    count = 0
    for scheduled, participant_id in effects.scheduled:
        row_id = await tx.outbox.enqueue(
            scheduled.message,
            kind=scheduled.kind,
            due_at=scheduled.due_at,
            at=at,
            dedupe_key=scheduled.dedupe_key,
            participant_id=participant_id,
        )
        count += row_id is not None
    return count
