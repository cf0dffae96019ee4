"""A strict referee for provider limits, and channels that answer to it.

The referee works out each send's scopes and cost on its own (not with bot.delivery.pacing), the way
each provider counts: Twilio per sender, by segments of the body as sent; Telegram overall and
per chat; Slack per channel. Any send that starts before the previous send in the same scope has
had its full time (cost / rate) is a violation: no initial burst, no "short bursts allowed".
A violating send is refused with a 429, as the provider would, and recorded.

`tolerance` (seconds) is only for real clocks, where the dispatcher and the referee read the
time a few microseconds apart; with the injected clock it is zero.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from starlette.routing import BaseRoute

from bot.channels.sms import render
from bot.core.channel import DeliveryFailed, Inbox
from bot.core.clock import Clock
from bot.core.messages import Outbound
from bot.core.sms_text import sms_segments


@dataclass(frozen=True)
class Limits:
    sms_segments_per_second: float = 1.0
    telegram_per_second: float = 30.0
    telegram_per_chat_per_second: float = 1.0
    slack_per_channel_per_second: float = 1.0


@dataclass(frozen=True)
class Send:
    at: datetime
    message: Outbound
    scopes: tuple[str, ...]
    cost: float


@dataclass
class Referee:
    clock: Clock
    limits: Limits = field(default_factory=Limits)
    tolerance: float = 0.0
    sends: list[Send] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    _last: dict[str, tuple[datetime, float]] = field(default_factory=dict)  # scope: (at, busy s)

    def scopes(self, message: Outbound) -> tuple[tuple[tuple[str, float], ...], float]:
        """((scope, rate), ...), cost: as the provider counts them."""
        limits, to = self.limits, message.to
        if to.channel == "sms":
            return (("twilio-sender", limits.sms_segments_per_second),), sms_segments(
                render(message)
            )
        if to.channel == "telegram":
            chat = message.reply_to or to.id
            return (
                ("telegram-bot", limits.telegram_per_second),
                (f"telegram-chat:{chat}", limits.telegram_per_chat_per_second),
            ), 1
        if to.channel == "slack":
            where = message.reply_to or to.id.rpartition(":")[2]
            return ((f"slack-channel:{where}", limits.slack_per_channel_per_second),), 1
        return (), 1

    def judge(self, message: Outbound) -> bool:
        """Record a send arriving now; False (and a violation) when it breaks a limit."""
        at = self.clock.now()
        scopes, cost = self.scopes(message)
        bad = []
        for key, _ in scopes:
            last = self._last.get(key)
            if last is not None:
                gap = (at - last[0]).total_seconds()
                if gap + self.tolerance + 1e-9 < last[1]:
                    need = last[1] * 1000
                    bad.append(f"{key}: {gap * 1000:.3f} ms after a send needing {need:.3f}")
        if bad:
            self.violations.extend(bad)
            return False
        for key, rate in scopes:
            self._last[key] = (at, cost / rate)
        self.sends.append(Send(at, message, tuple(key for key, _ in scopes), cost))
        return True

    def times(self, scope: str) -> list[datetime]:
        return [s.at for s in self.sends if scope in s.scopes]

    def to(self, address_id: str) -> list[str]:
        return [s.message.text for s in self.sends if s.message.to.id == address_id]


class RefereeChannel:
    """A provider behind the referee: refuses violations with 429, can be told to fail or lag."""

    def __init__(self, name: str, referee: Referee, *, latency: float = 0.0) -> None:
        self.name = name
        self.referee = referee
        self.latency = latency  # seconds each send takes (real time; 0 with the injected clock)
        self.failures: list[DeliveryFailed] = []  # raised, in order, by the next sends
        self.refused = 0  # 429s answered for violations
        self._ids = itertools.count(1)

    def routes(self, inbox: Inbox) -> Sequence[BaseRoute]:
        return ()

    def reach(self) -> frozenset[str] | None:
        return None

    def segments(self, message: Outbound) -> int:
        return sms_segments(render(message)) if self.name == "sms" else 1

    async def send(self, message: Outbound) -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        if not self.referee.judge(message):
            self.refused += 1
            raise DeliveryFailed("rate_limited", permanent=False, retry_after=1.0)
        if self.latency:
            await asyncio.sleep(self.latency)
        return f"{self.name}-{next(self._ids)}"
