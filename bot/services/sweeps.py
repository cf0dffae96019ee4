"""The periodic jobs: the daily reminder sweep, releasing reward holds, the staff's daily
digest, the outcomes of account managers' asks, and forgetting processed event ids.

Each run claims its period in `job_runs` in the same transaction as its work, so across any
number of processes a period's run happens once, and a crash mid-run rolls back its claim too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core import rewards
from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.store import Tx
from bot.delivery.scheduler import Scheduler
from bot.flows.reminders import remind
from bot.services.announce import announce
from bot.services.unit_of_work import Done, UnitOfWork
from bot.staff.digest import daily_digest
from bot.staff.followup import ask_outcomes

BATCH = 5_000
# How long a provider may deliver the same event again: Slack retries for ~5 minutes (and its
# signatures expire after 5), Twilio within its 15 s timeout and once to a fallback URL, and
# Telegram keeps an unanswered update for 24 hours. A week is that, with room for an outage of
# ours; an id older than this cannot come back, so the dedupe table stays small.
EVENT_REPLAY_WINDOW = timedelta(days=7)
PRUNE_BATCH = 10_000  # ids per transaction, so a first sweep of a big table holds no long lock


class Sweeps:
    def __init__(self, *, work: UnitOfWork, context: Context) -> None:
        self._work = work
        self._context = context

    def schedule(self, scheduler: Scheduler) -> None:
        """Hand the jobs to the clock. Each is safe to run early, late or twice."""
        scheduler.every("reminders", self.reminders, seconds=3600, now=True)
        scheduler.every("release-holds", self.release_holds, seconds=300, now=True)
        scheduler.every("ask-outcomes", self.ask_outcomes, seconds=60)
        scheduler.every_day("digest", self.digest, hour=9)
        scheduler.every("prune-events", self.prune_events, seconds=3600, now=True)

    async def reminders(self) -> int:
        """Queue today's reminders; returns how many were queued (0 if today's run happened)."""
        settings = self._context.program.reminders

        async def work(tx: Tx, now: datetime) -> Done[None]:
            if not await tx.jobs.claim("reminders", now.date().isoformat(), at=now):
                return Done(None)
            first = await tx.nudges.due_first(
                shared_before=now - timedelta(days=settings.first_after_days),
                include_b2b=settings.b2b_automatic,
                limit=BATCH,
            )
            second = await tx.nudges.due_second(
                reminded_before=now - timedelta(days=settings.second_after_days),
                include_b2b=settings.b2b_automatic,
                limit=BATCH,
            )
            effects = [
                await remind(self._context, tx, participant_id, which=which, now=now)
                for which, due in ((1, first), (2, second))
                for participant_id in due
            ]
            return Done(None, Effects.joined(effects))

        _, queued = await self._work.run_counted(work)
        return queued

    async def release_holds(self) -> int:
        """Approve rewards whose hold ended (unless flagged) and tell their owners.

        Approval is a state move that succeeds once, so overlapping runs in several processes
        approve each reward once; no period claim is needed.
        """

        async def work(tx: Tx, now: datetime) -> Done[int]:
            news = await rewards.release_holds(tx, self._context.program, now=now)
            return Done(len(news.approved), await announce(self._context, tx, news, now=now))

        return await self._work.run(work)

    async def digest(self) -> int:
        """Post today's digest to the staff's notification channel; 1 if it was queued, 0 if
        there is no channel or today's run happened already."""
        if self._context.staff.notify_channel is None:
            return 0
        async def work(tx: Tx, now: datetime) -> Done[None]:
            # The business's day, in the program's zone, names the period.
            period = self._context.program.day_of(now).isoformat()
            if not await tx.jobs.claim("digest", period, at=now):
                return Done(None)
            return Done(None, await daily_digest(self._context, tx, period=period, now=now))

        _, queued = await self._work.run_counted(work)
        return queued

    async def ask_outcomes(self) -> int:
        """Tell account managers, under each ask's card, that it went out or why not (every
        minute or so; each ask's outcome is told once, by its dedupe key)."""

        async def work(tx: Tx, now: datetime) -> Done[None]:
            return Done(None, await ask_outcomes(self._context, tx, now=now))

        _, queued = await self._work.run_counted(work)
        return queued

    async def prune_events(self) -> int:
        """Delete processed event ids past the replay window, once an hour across processes,
        in batches; returns how many went (0 if this hour's run happened elsewhere)."""

        async def older(tx: Tx, now: datetime) -> int:
            return await tx.events.prune(before=now - EVENT_REPLAY_WINDOW, limit=PRUNE_BATCH)

        async def first(tx: Tx, now: datetime) -> Done[int | None]:
            if not await tx.jobs.claim("prune-events", f"{now:%Y-%m-%dT%H}", at=now):
                return Done(None)
            await tx.jobs.forget("prune-events", before=now - EVENT_REPLAY_WINDOW)  # hourly rows
            return Done(await older(tx, now))

        async def more(tx: Tx, now: datetime) -> Done[int | None]:
            return Done(await older(tx, now))

        batch = await self._work.run(first)
        pruned = batch or 0
        while batch == PRUNE_BATCH:
            batch = await self._work.run(more)
            pruned += batch or 0
        return pruned
