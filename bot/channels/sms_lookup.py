"""Did Twilio take a message whose send timed out? Its list of sent messages, read back.

Twilio's Messages create takes no idempotency key, so a send whose answer never came is looked
up before it goes again: GET /2010-04-01/Accounts/{AccountSid}/Messages.json filtered by To,
From (when we send from a number) and DateSent, newest first, paged by the SDK
(https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources).
A message with the same body, from our sender, created since the timed-out send began, is
that send. DateSent is a day (`DateSent>=YYYY-MM-DD`), so the time is checked here, on
`date_created`, with a margin for the two clocks.

A message Twilio still holds (`accepted`, `queued`, `sending`: a backed-up queue, a number's
rate) has no DateSent yet, so no DateSent filter lists it, and the list filters on nothing else
that would (no DateCreated, no Status). When the dated read finds nothing, this person's list
from our sender is read again without DateSent, and matched on `date_created` the same way:
missing such a message would send the same text twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioException
from twilio.rest.api.v2010.account.message import MessageInstance, MessageList

from bot.channels.sms_http import RetryAfter
from bot.core.channel import DeliveryFailed, Sent

CLOCK_SKEW = timedelta(minutes=2)  # Twilio's clock against ours
PAGE_SIZE = 50  # Twilio's default page
LIMIT = 1000  # messages read at most: a day's messages to one number, many times over


async def find_sent(
    messages: MessageList,
    *,
    to: str,
    body: str,
    since: datetime,
    from_number: str | None,
    service: str | None,
) -> Sent | None:
    """The oldest message like this one Twilio took at or after `since`; raises DeliveryFailed
    (transient, or rate limited) when the list cannot be read."""
    start = since - CLOCK_SKEW
    sender: dict[str, Any] = {"from_": from_number} if from_number else {}
    sent_since: dict[str, Any] = {"date_sent_after": start.date().isoformat()}  # `DateSent>=`
    for dated in (sent_since, {}):  # then the messages not sent yet, which have no DateSent
        try:
            listed = await messages.list_async(
                to=to, page_size=PAGE_SIZE, limit=LIMIT, **sender, **dated
            )
        except (RetryAfter, TwilioException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise _failure(exc) from exc
        same = [m for m in listed if _is(m, body, start, from_number, service)]
        if same:
            first = min(same, key=lambda m: m.date_created or start)
            assert first.sid is not None  # _is checked it
            return Sent(first.sid, first.status)
    return None


def _is(
    sent: MessageInstance,
    body: str,
    start: datetime,
    from_number: str | None,
    service: str | None,
) -> bool:
    return (
        sent.sid is not None
        and sent.body == body
        and sent.direction == "outbound-api"  # what Messages create makes
        and sent.date_created is not None
        and sent.date_created >= start
        and (from_number is None or sent.from_ == from_number)
        and (service is None or sent.messaging_service_sid == service)
    )


def _failure(exc: Exception) -> DeliveryFailed:
    """A list that could not be read says nothing: try again later, never `uncertain` (a read
    sent nothing)."""
    detail = f"could not look up the timed-out send: {exc!r}"[:300]
    if isinstance(exc, RetryAfter):
        return DeliveryFailed(
            "rate_limited", permanent=False, detail=detail, retry_after=exc.retry_after
        )
    return DeliveryFailed("transient", permanent=False, detail=detail)
