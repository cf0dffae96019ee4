"""The Channel protocol and the one way a channel reports a failed send."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from starlette.routing import BaseRoute

from bot.core.messages import Address, Inbound, Outbound

Deliver = Callable[[Inbound], Awaitable[object]]


class Inbox(Protocol):
    """What a channel may tell the core: a message from a person, or a fact about delivery."""

    async def message(self, inbound: Inbound) -> object:
        """A person wrote; processed once per (channel, event_id)."""
        ...

    async def delivery_report(self, channel: str, provider_id: str, status: str) -> None:
        """The provider's word on a sent message (Twilio status callbacks); only moves forward."""
        ...

    async def reachability(self, address: Address, *, reachable: bool) -> None:
        """The person blocked the bot (or unblocked it): Telegram my_chat_member, say."""
        ...


class Channel(Protocol):
    name: str

    def routes(self, inbox: Inbox) -> Sequence[BaseRoute]:
        """The web routes that receive this provider's webhooks and hand them to `inbox`."""
        ...

    def reach(self) -> frozenset[str] | None:
        """The addresses this process can deliver to; None means all of them."""
        ...

    async def send(self, message: Outbound) -> str | None:
        """Send now; returns the provider's message id. Raises DeliveryFailed."""
        ...


FailureReason = Literal[
    "opted_out",  # the person opted out with the provider (Twilio 21610)
    "blocked",  # the person blocked the bot (Telegram 403)
    "invalid_address",  # no such number or chat, or one we may not write to
    "not_found",  # the channel or thread is gone
    "auth",  # our credentials were refused: the channel's failure, not the message's
    "rate_limited",  # the provider asked us to slow down (429, Retry-After)
    "transient",  # a 5xx, a refused connect: surely not sent, worth another try
    "uncertain",  # the request was written and no answer came: it may have arrived
]


class DeliveryFailed(Exception):
    """A send that did not go out, with what the dispatcher should do about it.

    `reason` is one of: opted_out, blocked, invalid_address, not_found, auth, rate_limited,
    transient, uncertain. Permanent failures are never retried; `auth` is no message's fault:
    the channel pauses, its messages wait at no cost, and it is tried now and then until the
    credentials work (the detail names the setting to fix); `retry_after` (seconds) pauses
    the scope: the whole channel's (the Telegram bot, the SMS sender) when `wide`, else the
    address's. `uncertain`: the request was written and no answer came (a read timeout, a reset
    after sending), so the message may have arrived; transient means it surely did not.
    `own_server`: the failure is the address's own server's (a business's webhook receiver),
    not the provider's, so it does not pause the channel for every other address.
    """

    def __init__(
        self,
        reason: FailureReason,
        *,
        permanent: bool,
        detail: str = "",
        retry_after: float | None = None,
        wide: bool = False,
        own_server: bool = False,
    ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.permanent = permanent
        self.detail = detail
        self.retry_after = retry_after
        self.wide = wide
        self.own_server = own_server


@runtime_checkable
class Bounded(Protocol):
    """A channel whose HTTP client holds a limited pool of connections: the dispatcher keeps
    at most `max_in_flight` of its sends going, so none waits for (and times out on) the pool;
    a provider slow to accept slows us down instead of failing sends."""

    max_in_flight: int


@runtime_checkable
class InOrder(Protocol):
    """A channel whose sends to one address go one at a time, in the order claimed: each is
    checked (still ours, not stopped) only once the answer to the one before is recorded, so a
    webhook receiver that answers 410 Gone is sent nothing more. For channels of few addresses
    (the business's endpoints): the dispatcher keeps a lock per address."""

    in_order: bool


@runtime_checkable
class Segmented(Protocol):
    """A channel paced by what it really sends (SMS segments of the rendered body); channels
    without this method cost one unit a message."""

    def segments(self, message: Outbound) -> int: ...


@runtime_checkable
class DeepLinking(Protocol):
    """A channel whose app can open a referral directly (Telegram's `?start=<code>`)."""

    def deep_link(self, code: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the provider has on record: its id, and how far its delivery had got."""

    provider_id: str
    status: str | None = None


@runtime_checkable
class Traceable(Protocol):
    """A channel that can read back what the provider took (Twilio's list of messages): before
    an `uncertain` send goes again, the dispatcher asks, so a message whose answer was lost is
    recorded as sent instead of reaching the person twice."""

    async def find_sent(self, message: Outbound, *, since: datetime) -> Sent | None:
        """This very message, if the provider took it at or after `since`; None if it did not.
        Raises DeliveryFailed (never `uncertain`) when the provider cannot say."""
        ...
