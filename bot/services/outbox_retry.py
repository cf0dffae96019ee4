"""An operator's second chance for messages that gave up: one row by id, or every dead (or
skipped) row, maybe of one channel, after an outage. The CLI and the API both come here."""

from __future__ import annotations

from datetime import datetime

from bot.core.store import Tx
from bot.services.unit_of_work import Done, UnitOfWork

RETRYABLE = ("dead", "skipped")


class NotRetryable(Exception):
    """The row does not exist (`status` None) or is not dead or skipped (its status)."""

    def __init__(self, row_id: int, status: str | None) -> None:
        self.row_id = row_id
        self.status = status
        why = "does not exist" if status is None else f"is {status}"
        super().__init__(f"outbox row {row_id} {why}: only dead or skipped rows can be retried")


async def retry_outbox(
    work: UnitOfWork,
    *,
    row_id: int | None = None,
    status: str = "dead",
    channel: str | None = None,
    actor: str = "an operator",
) -> list[int]:
    """The ids made due now, attempts reset, each with a `retried` line in its history.

    With `row_id`, that row whatever its channel (dead or skipped, else NotRetryable); without,
    every row with `status` (and `channel`, when given).
    """
    if status not in RETRYABLE:
        raise ValueError(f"status {status}: only dead or skipped rows can be retried")

    async def run(tx: Tx, now: datetime) -> Done[list[int]]:
        if row_id is None:
            return Done(await tx.outbox.retry_all(status=status, channel=channel, now=now))
        row = await tx.outbox.get(row_id)
        if row is None or row.status not in RETRYABLE:
            raise NotRetryable(row_id, None if row is None else row.status)
        if not await tx.outbox.retry(row_id, now=now):  # moved on meanwhile
            raise NotRetryable(row_id, row.status)
        await tx.outbox.note(row_id, "retried", at=now, detail=f"by {actor} ({row.status})")
        return Done([row_id])

    return await work.run(run)
