"""Test doubles that stand where a provider would: they record and can be told to fail."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.routing import BaseRoute

from bot.app import ReferralBot
from bot.core.channel import DeliveryFailed, Inbox
from bot.core.clock import FakeClock
from bot.core.messages import Address, Inbound, Outbound, Profile


class CollectingChannel:
    """A channel that keeps what it is asked to send (Rasa's CollectingOutputChannel)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[Outbound] = []
        self.failures: list[DeliveryFailed] = []  # raised, in order, by the next sends
        self._ids = itertools.count(1)

    def routes(self, inbox: Inbox) -> Sequence[BaseRoute]:
        return ()

    def reach(self) -> frozenset[str] | None:
        return None

    async def send(self, message: Outbound) -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return f"{self.name}-{next(self._ids)}"

    def to(self, who: str) -> list[str]:
        return [m.text for m in self.sent if m.to.id == who]


@dataclass
class Conversation:
    """Push a message in, read the replies out: tests read like transcripts."""

    bot: ReferralBot
    channel: CollectingChannel
    clock: FakeClock
    _events: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def say(
        self,
        who: str,
        text: str,
        lang: str | None = None,
        *,
        name: str | None = None,
        time_zone: str | None = None,
    ) -> str:
        """`name`: the display name the sender's profile carries (their address by default);
        `time_zone`: the zone the channel tells of the sender (an SMS number's country)."""
        before = len(self.channel.sent)
        inbound = Inbound(
            sender=Address(self.channel.name, who),
            text=text,
            event_id=f"evt-{next(self._events)}",
            received_at=self.clock.now(),
            profile=Profile(name=who if name is None else name, lang=lang, time_zone=time_zone),
        )
        await self.bot.engine.handle(inbound)
        await self.bot.dispatcher.dispatch_due()
        replies = [m.text for m in self.channel.sent[before:] if m.to.id == who]
        return "\n".join(replies)

    def inbox(self, who: str) -> list[str]:
        return self.channel.to(who)
