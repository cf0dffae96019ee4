"""While a provider refuses our credentials, ask it again once a minute, with a read that sends
nothing (bot/channels/credentials.py), so that credentials working again (a token restored, an
account reactivated) resume the channel and clear /healthz without waiting for a message to
try, or for a restart. Per process, as the breakers are: each clears its own pause.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.delivery.breaker import Breakers
from bot.delivery.scheduler import Scheduler

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[bool | None]]  # accepted now; None: the provider could not be asked
PROBE_EVERY = timedelta(minutes=1)  # a provider's rate limits never notice, an operator barely
TICK_SECONDS = 15.0  # how often the clock looks: a probe goes 60 to 75 s after the one before


class CredentialWatch:
    def __init__(
        self,
        *,
        breakers: Breakers,
        probes: Mapping[str, Probe],
        clock: Clock,
        resume: Callable[[], None],
    ) -> None:
        self._breakers = breakers
        self._probes = dict(probes)
        self._clock = clock
        self._resume = resume  # wakes the dispatcher, for the messages that waited
        self._asked: dict[str, datetime] = {}  # refused channels: when last asked (or seen)

    def schedule(self, scheduler: Scheduler) -> None:
        scheduler.every("credentials", self.recheck, seconds=TICK_SECONDS)

    async def recheck(self) -> list[str]:
        """Ask each refused channel's provider, a minute after the refusal was seen and a
        minute after each ask; returns the channels that resume."""
        resumed = []
        for channel, probe in self._probes.items():
            if self._breakers.refusal(channel) is None:
                self._asked.pop(channel, None)
                continue
            now = self._clock.now()
            if now - self._asked.setdefault(channel, now) < PROBE_EVERY:
                continue  # just refused, or asked within the minute
            self._asked[channel] = now
            accepted = await probe()
            if accepted and self._breakers.refusal(channel) is not None:
                self._breakers.answered(channel)
                self._asked.pop(channel, None)
                log.info("%s: credentials accepted again; sending resumes", channel)
                resumed.append(channel)
        if resumed:
            self._resume()
        return resumed
