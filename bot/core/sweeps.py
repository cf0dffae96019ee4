"""The periodic jobs: the daily reminder sweep, releasing reward holds, the staff's daily
digest and the outcomes of account managers' asks.

Each run claims its period in `job_runs` in the same transaction as its work, so across any
number of processes a period's run happens once, and a crash mid-run rolls back its claim too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core import rewards
from bot.core.clock import Clock
from bot.core.enqueue import enqueue_scheduled
from bot.core.scheduler import Scheduler
from bot.core.store import Store
from bot.flows.base import Context
from bot.flows.reminders import remind
from bot.flows.reward_news import tell
from bot.staff.digest import daily_digest
from bot.staff.followup import ask_outcomes

BATCH = 5_000


class Sweeps:
    def __init__(
        self, *, store: Store, context: Context, clock: Clock, kick: Callable[[], None]
    ) -> None:
        self._store = store
        self._context = context
        self._clock = clock
        self._kick = kick

    async def reminders(self) -> int:
        """Queue today's reminders; returns how many were queued (0 if today's run happened)."""
        now = self._clock.now()
        settings = self._context.program.reminders
        include_b2b = settings.b2b_automatic
        queued = 0
        async with self._store.transaction() as tx:
            if not await tx.jobs.claim("reminders", now.date().isoformat(), at=now):
                return 0
            first = await tx.nudges.due_first(
                shared_before=now - timedelta(days=settings.first_after_days),
                include_b2b=include_b2b,
                limit=BATCH,
            )
            second = await tx.nudges.due_second(
                reminded_before=now - timedelta(days=settings.second_after_days),
                include_b2b=include_b2b,
                limit=BATCH,
            )
            for which, due in ((1, first), (2, second)):
                for participant_id in due:
                    effects = await remind(self._context, tx, participant_id, which=which, now=now)
                    queued += await enqueue_scheduled(tx, effects, at=now)
        if queued:
            self._kick()
        return queued

    async def release_holds(self) -> int:
        """Approve rewards whose hold ended (unless flagged) and tell their owners.

        Approval is a state move that succeeds once, so overlapping runs in several processes
        approve each reward once; no period claim is needed.
        """
        now = self._clock.now()
        async with self._store.transaction() as tx:
            news = await rewards.release_holds(tx, self._context.program, now=now)
            queued = await enqueue_scheduled(
                tx, await tell(self._context, tx, news, now=now), at=now
            )
        if queued:
            self._kick()
        return len(news.approved)

    def schedule(self, scheduler: Scheduler) -> None:
        """Hand the jobs to the clock. Each is safe to run early, late or twice."""
        scheduler.every("reminders", self.reminders, seconds=3600, now=True)
        scheduler.every("release-holds", self.release_holds, seconds=300, now=True)
        scheduler.every("ask-outcomes", self.ask_outcomes, seconds=60)
        scheduler.every_day("digest", self.digest, hour=9)

    async def digest(self) -> int:
        """Post today's digest to the staff's notification channel; 1 if it was queued, 0 if
        there is no channel or today's run happened already."""
        if self._context.staff.notify_channel is None:
            return 0
        now = self._clock.now()
        # The business's day, in the program's zone, names the period.
        period = now.astimezone(ZoneInfo(self._context.program.default_time_zone)).date()
        async with self._store.transaction() as tx:
            if not await tx.jobs.claim("digest", period.isoformat(), at=now):
                return 0
            effects = await daily_digest(self._context, tx, period=period.isoformat(), now=now)
            queued = await enqueue_scheduled(tx, effects, at=now)
        if queued:
            self._kick()
        return queued

    async def ask_outcomes(self) -> int:
        """Tell account managers, under each ask's card, that it went out or why not (every
        minute or so; each ask's outcome is told once, by its dedupe key)."""
        now = self._clock.now()
        async with self._store.transaction() as tx:
            effects = await ask_outcomes(self._context, tx, now=now)
            queued = await enqueue_scheduled(tx, effects, at=now)
        if queued:
            self._kick()
        return queued
