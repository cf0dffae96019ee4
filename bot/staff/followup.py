"""The account manager hears, under the ask's card, when the ask really went out, or why it
could not: it may have waited for the client's morning or their weekly cap, or failed."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.kinds import STAFF
from bot.core.messages import Outbound, Scheduled
from bot.core.store import Tx
from bot.core.store.asks import card_key
from bot.staff.access import person
from bot.staff.clients import label
from bot.staff.mrkdwn import escape, moment

WINDOW = timedelta(days=14)  # asks waiting longer than this are the digest's business


async def ask_outcomes(ctx: Context, tx: Tx, *, now: datetime) -> Effects:
    scheduled: list[tuple[Scheduled, int | None]] = []
    for done in await tx.asks.settled(since=now - WINDOW):
        ask = done.ask
        client = await tx.participants.get(ask.participant_id)
        if client is None or ask.card_channel is None or ask.card_ts is None:
            continue
        if done.status == "sent":
            when = f" {moment(done.sent_at)}" if done.sent_at else ""
            text = f":incoming_envelope: Delivered to {label(client)}{when}."
        else:
            why = escape(done.error or done.status)
            text = f":warning: Not delivered to {label(client)}: {why}."
        message = Outbound(
            person(ask.manager), text, reply_to=ask.card_channel, thread=ask.card_ts, markup=True
        )
        due = Scheduled(message, due_at=now, dedupe_key=card_key(ask.id, "outcome"), kind=STAFF)
        scheduled.append((due, None))
    return Effects(scheduled=tuple(scheduled))
