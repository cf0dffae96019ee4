"""A circuit breaker per channel: an outage pauses the channel instead of burning every row's
attempts. After `failures` transient failures in a row the channel opens (nothing is claimed
for it) for `pause`, doubling after each failed probe up to `max_pause`; when the pause is
over one row is let through (half-open) and any answer from the provider closes the breaker
(a success, and as much a 429, a refusal or a blocked user: the provider is up), so the
backlog drains at the provider's pace; a probe that never reached the provider (another
process took the row) lets the next row probe instead. Per process: each process learns of an
outage on its own, and the rows it did not claim meanwhile cost no attempt.

Refused credentials (`refused`) open the channel at once: no message can go until they work,
so one refusal is enough, and the probes that follow keep the same doubling pause. The
refusal is kept (`refusal`, for /healthz) until the provider answers otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(slots=True)
class _State:
    failures: int = 0
    opened: int = 0  # how many times in a row it opened: the pause doubles with each
    until: datetime | None = None
    probing: bool = False
    refused: str | None = None  # the provider refused our credentials: what it said


@dataclass(slots=True)
class Breakers:
    failures: int = 5
    pause: timedelta = timedelta(seconds=30)
    max_pause: timedelta = timedelta(minutes=30)
    _states: dict[str, _State] = field(default_factory=dict)

    def room(self, channel: str, now: datetime) -> int | None:
        """How many rows the channel may take now: None for no limit, 0 while open, 1 to probe."""
        state = self._states.get(channel)
        if state is None or state.until is None:
            return None
        if now < state.until or state.probing:
            return 0
        return 1

    def paused(self, channel: str, now: datetime) -> bool:
        state = self._states.get(channel)
        return state is not None and state.until is not None and now < state.until

    def probing(self, channel: str, now: datetime) -> None:
        """A row goes out to test a channel whose pause is over (half-open)."""
        state = self._states.get(channel)
        if state is not None and state.until is not None and now >= state.until:
            state.probing = True

    def opens_at(self, channel: str) -> datetime | None:
        state = self._states.get(channel)
        return None if state is None else state.until

    def refusal(self, channel: str) -> str | None:
        """What the provider said when it last refused our credentials, until it answers."""
        state = self._states.get(channel)
        return None if state is None else state.refused

    def answered(self, channel: str) -> None:
        """The provider answered, whatever it said (credentials refused aside): it is up."""
        self._states.pop(channel, None)

    def released(self, channel: str) -> None:
        """The probe went nowhere (its row was taken or put back): another row may probe."""
        state = self._states.get(channel)
        if state is not None:
            state.probing = False

    def failed(self, channel: str, now: datetime) -> datetime | None:
        """A transient failure; returns until when the channel is now paused, if it opened."""
        state = self._states.setdefault(channel, _State())
        state.failures += 1
        state.probing = False
        if state.until is None and state.failures < self.failures:
            return None
        return self._open(state, now)

    def refused(self, channel: str, now: datetime, why: str) -> datetime:
        """The provider refused our credentials: the channel opens now (a send that was
        already under way when it opened changes nothing). Returns until when."""
        state = self._states.setdefault(channel, _State())
        state.refused = why
        state.probing = False
        if state.until is not None and now < state.until:
            return state.until
        return self._open(state, now)

    def _open(self, state: _State, now: datetime) -> datetime:
        pause = min(self.max_pause, self.pause * 2**state.opened)
        state.opened += 1
        state.until = now + pause
        return state.until
