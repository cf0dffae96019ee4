"""The Bolt listeners: each translates what Slack sent, hands it to the core, and acks.

Slack wants an answer within 3 s. An event is acknowledged only once the core has recorded it
(the message stored and its replies queued, one transaction), so a crash after the ack cannot
lose it. When recording takes longer than the budget, the event is answered 503 instead: Slack
delivers it again (X-Slack-Retry-Num, up to 3 times over ~5 minutes), and the retry is a
duplicate by event id if the first attempt, which carries on, committed meanwhile, or recorded
afresh if it failed. https://docs.slack.dev/apis/events-api/#retries

Slash commands and button clicks are never retried by Slack, and an error shows the person a
failure, so those are acknowledged after the budget while their recording carries on.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.response import BoltResponse

from bot.channels.slack_inbound import (
    ACTION_ID,
    COMMAND,
    BotIdentity,
    from_action,
    from_command,
    from_event,
)
from bot.channels.slack_people import SlackPeople
from bot.core.channel import Inbox
from bot.core.clock import Clock
from bot.core.messages import Inbound

log = logging.getLogger(__name__)

ACK_BUDGET = 2.5  # seconds: Slack's 3 s, less the time the answer takes to travel
DRAIN_SECONDS = 5.0
RETRY_LATER = 503  # not an ack: Slack delivers again anything but a 2xx answered in time

StaffHandlers = Callable[[AsyncApp], None]
"""Registers more listeners on the Bolt app, ahead of the customer ones: the account manager's
`/referrals clients`, `/referrals nudge` and Approve/Void buttons (first match wins in Bolt, so a
staff `/referrals` listener with a matcher on its subcommand runs before the customer one)."""


class Handover:
    """Hands an `Inbound` to the core, waiting for it only as long as the ack budget allows."""

    def __init__(self, inbox: Inbox, *, budget: float = ACK_BUDGET) -> None:
        self._inbox = inbox
        self._budget = budget
        self._pending: set[asyncio.Future[object]] = set()

    async def __call__(self, inbound: Inbound, *, spent: float = 0.0) -> bool:
        """True once the core recorded it; False when it is still at it after the budget, less
        the seconds already `spent` on the request (asking Slack who wrote)."""
        task: asyncio.Future[object] = asyncio.ensure_future(self._inbox.message(inbound))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        await asyncio.wait({task}, timeout=max(0.0, self._budget - spent))
        if task.done():
            task.result()  # a failure answers 500, and Slack retries the event
            return True
        log.warning("slack %s not recorded within %.1fs", inbound.event_id, self._budget)
        task.add_done_callback(_log_failure)
        return False

    async def drain(self) -> None:
        """Let messages still being recorded finish (on shutdown), for a few seconds at most."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=DRAIN_SECONDS)


def _log_failure(task: asyncio.Future[object]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("slack message failed after the ack", exc_info=task.exception())


def listen(
    bolt: AsyncApp, *, handover: Handover, bot: BotIdentity, clock: Clock, people: SlackPeople
) -> None:
    """Register the customer listeners: DMs and mentions, `/referrals`, our buttons; each
    message carries who sent it, as far as Slack tells (`people`)."""

    async def hand_over(inbound: Inbound) -> bool:
        started = time.monotonic()
        known = await people.complete(inbound)
        return await handover(known, spent=time.monotonic() - started)

    async def on_message(ack: AsyncAck, body: dict[str, Any]) -> BoltResponse | None:
        inbound = from_event(body, bot=bot, now=clock.now())
        if inbound is not None and not await hand_over(inbound):
            # Bolt answers with a listener's own response when it returns one instead of acking.
            return BoltResponse(status=RETRY_LATER, body={"error": "not recorded yet; retry"})
        await ack()
        return None

    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        inbound = from_command(body, now=clock.now())
        if inbound is not None:
            await hand_over(inbound)
        await ack()  # empty: the answer arrives as a DM from the bot, through the outbox

    async def on_action(ack: AsyncAck, body: dict[str, Any]) -> None:
        inbound = from_action(body, now=clock.now())
        if inbound is not None:
            await hand_over(inbound)
        await ack()

    async def on_other_event(ack: AsyncAck) -> None:
        # Answer 200 to events we do not handle: a 404 makes Slack retry them, and a subscription
        # that keeps failing gets disabled. https://docs.slack.dev/apis/events-api/#failure-limits
        await ack()

    bolt.event("message")(on_message)
    bolt.event("app_mention")(on_message)
    bolt.command(COMMAND)(on_command)
    bolt.action(ACTION_ID)(on_action)
    bolt.event(re.compile(".*"))(on_other_event)
