"""What becomes of a row that could not go: back off with jitter for `retry_hours`, then dead;
expire when it has lost its point; an unknown outcome gets one late retry at most.

None of the three providers offers an idempotency key for sending a message (Telegram's
sendMessage, Twilio's Messages create and Slack's chat.postMessage take none; checked in their
API references and SDK sources), so a send that timed out after the request was written may
have reached the person. Sending it again at once is how one slow provider turned into four
copies of every message. The rule here: such a send is retried at most `uncertain_retries`
times (default once), only after `uncertain_wait_minutes` (default 10), when the provider's slow
spell has most likely passed; a further unknown outcome makes the row dead with the reason,
for a person to decide (`referral-bot outbox retry`). Each one is counted in
`referral_outbound_uncertain_total` and written to the row's history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.program import Delivery
from bot.core.store.records import OutboxRow


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    retry_for: timedelta = timedelta(hours=24)
    first: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(hours=1)
    uncertain_retries: int = 1
    uncertain_wait: timedelta = timedelta(minutes=10)
    expire_after: tuple[tuple[str, timedelta], ...] = ()
    max_attempts: int | None = None  # an extra bound, for tests and cautious operators

    @classmethod
    def of(cls, delivery: Delivery, *, max_attempts: int | None = None) -> RetryPolicy:
        return cls(
            retry_for=timedelta(hours=delivery.retry_hours),
            first=timedelta(seconds=delivery.backoff_first_seconds),
            cap=timedelta(minutes=delivery.backoff_max_minutes),
            uncertain_retries=delivery.uncertain_retries,
            uncertain_wait=timedelta(minutes=delivery.uncertain_wait_minutes),
            expire_after=tuple(
                (kind, timedelta(minutes=minutes))
                for kind, minutes in sorted(delivery.expire_after_minutes.items())
            ),
            max_attempts=max_attempts,
        )

    def backoff(self, attempts: int) -> timedelta:
        """Exponential with jitter (half to all of the ceiling), so retries do not land together."""
        ceiling: timedelta = min(self.cap, self.first * 2 ** max(0, attempts - 1))
        return ceiling * random.uniform(0.5, 1.0)

    def since(self, row: OutboxRow) -> datetime:
        return row.first_due_at or row.created_at

    def expired(self, row: OutboxRow, now: datetime) -> timedelta | None:
        """The row's expiry when it has passed (it is not sent then), else None."""
        after = dict(self.expire_after).get(row.kind)
        if after is None or now - self.since(row) < after:
            return None
        return after

    def next_try(self, row: OutboxRow, now: datetime, wait: timedelta) -> datetime | None:
        """When to try again after a transient failure; None: the row is dead."""
        if self.max_attempts is not None and row.attempts >= self.max_attempts:
            return None
        give_up = self.since(row) + self.retry_for
        if now >= give_up:
            return None
        return min(now + wait, give_up)
