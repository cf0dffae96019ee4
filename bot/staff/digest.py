"""The daily digest in the notification channel: the last 24 hours of referrals and signups,
what waits for a reviewer, and the messages that could not be delivered."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.kinds import STAFF
from bot.core.messages import Outbound, Scheduled
from bot.core.store import Tx
from bot.core.store.records import COUNTED
from bot.staff.access import room
from bot.staff.mrkdwn import medium, moment

DAY = timedelta(days=1)


def _some(counts: Counter[str], name: dict[str, str] | None = None) -> str:
    parts = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{(name or {}).get(k, k.replace('_', ' '))} {n}" for k, n in parts)


async def daily_digest(ctx: Context, tx: Tx, *, period: str, now: datetime) -> Effects:
    """The digest for the 24 hours up to `now`, once per `period` (its dedupe key)."""
    channel = ctx.staff.notify_channel
    if channel is None:
        return Effects()
    numbers = await tx.staff.day(now - DAY, now)
    counted = sum(numbers.referrals[status] for status in COUNTED)
    rejected = numbers.referrals["rejected"]
    signups = f"• Friends signed up through a referral: {counted}"
    if rejected:
        signups += f"; {rejected} did not count ({_some(numbers.rejected)})"
    review = f"• Rewards waiting for review: {numbers.held}"
    if numbers.held_since is not None:
        review += f", the oldest since {moment(numbers.held_since)}"
    failed = sum(numbers.failed.values())
    failures = f"• Messages that failed: {failed}"
    if failed:
        media = {k: medium(k) for k in numbers.failed}
        failures += f" ({_some(numbers.failed, media)}: `referral-bot outbox list --status dead`)"
    text = "\n".join(
        [
            f":bar_chart: *Referral digest*, the 24 hours to {moment(now)}",
            f"• Visits through referral links: {numbers.clicks}",
            signups,
            review,
            failures,
        ]
    )
    message = Outbound(room(channel), text, reply_to=channel, markup=True)
    due = Scheduled(message, due_at=now, dedupe_key=f"staff:digest:{period}", kind=STAFF)
    return Effects(scheduled=((due, None),))
