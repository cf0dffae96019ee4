"""Planning one dispatch pass: how many rows to claim per channel, and which claimed rows get a
pacing slot now (held in memory until it) or go back to the outbox until their slot nears.

Claiming only what a channel's wide scope (the SMS sender, Telegram overall) can send within
the hold keeps a backlog in the outbox, in due order, instead of churning it through claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import cast

from bot.core.channel import Channel, Segmented
from bot.core.messages import Outbound
from bot.core.program import Pacing
from bot.core.sms_text import sms_segments
from bot.core.store.outbox import Claim, Reach
from bot.core.store.records import OutboxRow
from bot.delivery.pacing import Pace, Pacer, pace_of, wide_scopes

AFTER_SLOT = timedelta(microseconds=200)
REFILL = 0.25  # claim for a busy channel once this share of the hold is free: fewer, larger claims


@dataclass(frozen=True, slots=True)
class Planned:
    row: OutboxRow
    pace: Pace
    slot: datetime | None  # None: unpaced


@dataclass(frozen=True, slots=True)
class Sends:
    held: list[Planned] = field(default_factory=list)
    back: list[tuple[OutboxRow, datetime]] = field(default_factory=list)  # (row, due again)
    # (row, due again) for a busy chat: the address's other waiting rows wait with it, in order
    later: list[tuple[OutboxRow, datetime]] = field(default_factory=list)


def outbound(row: OutboxRow) -> Outbound:
    return Outbound(
        row.to,
        row.text,
        row.buttons,
        row.reply_to,
        edit_of=row.edit_of,
        thread=row.thread,
        ephemeral=row.ephemeral,
        markup=row.markup,
    )


def segments(channel: Channel, message: Outbound) -> int:
    """What the channel will really send, in SMS segments (the text plus rendered buttons)."""
    if _segmented(type(channel)):
        return cast(Segmented, channel).segments(message)
    if message.to.channel == "sms":  # a channel that cannot say: at least the text's segments
        return max(1, sms_segments(message.text))
    return 1


@cache
def _segmented(kind: type) -> bool:
    """isinstance against a Protocol costs tens of µs, per send: asked once per class."""
    return issubclass(kind, Segmented)


def plan_claims(
    reach: Reach,
    pacer: Pacer | None,
    pacing: Pacing | None,
    now: datetime,
    hold: timedelta,
    limit: int,
) -> tuple[list[Claim], datetime | None]:
    """The claims for this pass, and when a channel left out (its wide scope full) opens again.

    A paced channel's proactive rows are claimed only when its wide scope frees within one
    slot, and one at a time: a backlog of 10,000 reminders never books the hold ahead, so a
    reply that comes in waits at most one slot behind them."""
    if limit <= 0 or not reach:
        return [], None
    if pacer is None or pacing is None:
        return [Claim(dict(reach), limit)], None
    wide = wide_scopes(pacing)
    claims: list[Claim] = []
    rest: dict[str, frozenset[str] | None] = {}
    wake: datetime | None = None
    for name, addresses in reach.items():
        scope = wide.get(name)
        if scope is None:
            rest[name] = addresses
            continue
        free = pacer.free_at(scope, now)
        room = (now + hold - free).total_seconds()
        if room < 0 or (free > now and room < hold.total_seconds() * REFILL):
            opens = free - hold * (1 - REFILL)
            wake = opens if wake is None or opens < wake else wake
            continue
        claims.append(Claim({name: addresses}, min(limit, int(room * scope.per_second) + 1), 0))
        one_slot = timedelta(seconds=1 / scope.per_second)
        if free - now <= one_slot:
            claims.append(Claim({name: addresses}, 1, 1))
        else:
            opens = free - one_slot
            wake = opens if wake is None or opens < wake else wake
    if rest:
        claims.append(Claim(rest, limit))
    return claims, wake


def between_slots(
    wake: datetime, pacer: Pacer | None, pacing: Pacing | None, now: datetime
) -> datetime:
    """A claim pass blocks the loop for a few ms (SQLite runs on it); start it just after a send
    of a busy channel rather than just before one, so it delays no slot."""
    if pacer is None or pacing is None or wake <= now:
        return wake
    starts = (pacer.next_start(scope, wake) for scope in wide_scopes(pacing).values())
    found = [start for start in starts if start is not None]
    if not found:
        return wake
    nearest = min(found)
    return nearest + AFTER_SLOT if nearest - wake < timedelta(milliseconds=50) else wake


def plan_sends(
    rows: list[OutboxRow],
    channels: Mapping[str, Channel],
    pacer: Pacer | None,
    pacing: Pacing | None,
    now: datetime,
    hold: timedelta,
) -> Sends:
    """Book a slot for each row in order; rows whose slot is beyond the hold go back."""
    sends = Sends()
    if pacer is None or pacing is None:
        sends.held.extend(Planned(row, Pace(), None) for row in rows)
        return sends
    tentative: list[tuple[Pace, datetime]] = []
    for row in rows:
        message = outbound(row)
        pace = pace_of(message, segments=segments(channels[row.to.channel], message), limits=pacing)
        if not pace.scopes:
            sends.held.append(Planned(row, pace, None))
            continue
        slot = pacer.book(pace, now)
        if slot - now <= hold:
            sends.held.append(Planned(row, pace, slot))
            continue
        # Kept booked until the pass ends, so the next row of the same chat books after it and
        # each comes back just in time for its own slot.
        tentative.append((pace, slot))
        wide = next((s for s in pace.scopes if s.wide), None)
        if wide is not None and pacer.free_at(wide, now) - now > hold:
            sends.back.append((row, row.due_at))  # its channel is left out of claims till then
        else:
            sends.later.append((row, max(now, slot - hold)))
    for pace, slot in tentative:
        pacer.cancel(pace, slot)
    return sends
