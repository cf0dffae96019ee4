"""APScheduler as the clock and nothing more: it ticks the dispatcher and the periodic jobs.

Nothing that matters lives in APScheduler: no job store, no reliance on misfire handling (its
default 1 s grace silently drops overdue runs). The outbox rows are the truth, so a restart
loses nothing; the dispatcher's own loop sends overdue rows as soon as it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery.dispatcher import Dispatcher

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
YOUNG_OBJECTS = 20_000  # the collector's first threshold in serve and worker (Python's: 700)


class Scheduler:
    def __init__(self, dispatcher: Dispatcher, *, tick_seconds: float = 1.0) -> None:
        self._dispatcher = dispatcher
        self._tick = tick_seconds
        self._clock = AsyncIOScheduler(job_defaults={"coalesce": True, "misfire_grace_time": None})
        self._loop_task: asyncio.Task[None] | None = None
        self._jobs: list[tuple[str, Job, dict[str, object]]] = []

    def every_day(self, name: str, job: Job, *, hour: int = 9, minute: int = 0) -> None:
        """A daily job; each run must itself be idempotent (it may run again after a restart)."""
        self._jobs.append((name, job, {"trigger": "cron", "hour": hour, "minute": minute}))

    def every(self, name: str, job: Job, *, seconds: float, now: bool = False) -> None:
        """`now`: also run once at start, so a restart never waits a whole interval."""
        trigger: dict[str, object] = {"trigger": "interval", "seconds": seconds}
        if now:
            trigger["next_run_time"] = datetime.now(UTC)
        self._jobs.append((name, job, trigger))

    def start(self) -> None:
        # Everything alive by now (grammar, catalogs, SDK clients) lives as long as the process;
        # freezing it keeps the collector's full passes short, and a long pause in the event loop
        # is a late send that pacing can never make up. A message's own objects are nearly all
        # freed by their reference counts, so the young generation is collected only past
        # YOUNG_OBJECTS tracked ones instead of Python's 700: a signed SMS spent ~0.04 ms of its
        # ~0.6 ms in the collector, and none at this threshold (bench/instructions.py's workload).
        gc.freeze()
        gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
        self._loop_task = asyncio.get_running_loop().create_task(self._dispatcher.run())
        self._clock.add_job(self._dispatcher.kick, "interval", seconds=self._tick, id="tick")
        for name, job, trigger in self._jobs:
            self._clock.add_job(self._guarded(name, job), id=name, **trigger)
        self._clock.start()

    async def stop(self) -> None:
        self._clock.shutdown(wait=False)
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task

    @staticmethod
    def _guarded(name: str, job: Job) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            try:
                await job()
            except Exception:
                log.exception("scheduled job %s failed", name)

        return run
