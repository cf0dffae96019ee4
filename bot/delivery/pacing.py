"""Pacing at each provider's limit, exactly: the first message at once, then strictly 1/rate apart
per scope (a message costing `c` units keeps its scope busy for c/rate), with no initial burst.

Providers' own leaky buckets let a full second's worth out at start; a strict referee (and a
carrier filter) would call that a violation, so this is a schedule, not a bucket.

Two books per scope. *Bookings* plan slots ahead (a message for a busy chat books a later slot,
and a message for a free chat may take an earlier gap in the shared Telegram scope, so one slow
scope never holds up the others). *Busy* records real sends: a send waits until the previous
real send's time is up, so a late send pushes the next one back rather than crowding it.

The schedule is per process. Across processes each send also claims its slot in the database
(shared_pacing.py); what a claim learns of the other processes' sends is noted here as a scope's
*shared* free moment, so this process books its next slots after them.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.messages import Outbound
from bot.core.program import Pacing

_PRUNE_EVERY = 1000  # bookings; then forget idle scopes (one per chat would pile up)

# With a real clock every gap is this much longer than cost / rate. A request reaches the
# provider a fraction of a millisecond to a few late (a busy event loop, a GC pause, another
# process's send on the same schedule), and a provider counting "30 in any second" refuses the
# 31st if it lands a hair early: without the margin the Telegram burst bench saw a 429 every few
# seconds, each pausing the whole bot for a second. 1.5% is 0.5 ms per Telegram gap (15 ms over
# a second's 30 sends), 15 ms per 1/s chat; Telegram paces at 29.56/s.
REAL_CLOCK_MARGIN = 0.015


def with_margin(limits: Pacing, margin: float) -> Pacing:
    """The rates to pace at: each limit lowered so that every gap is `margin` longer."""
    if margin <= 0:
        return limits
    return limits.model_copy(
        update={
            name: getattr(limits, name) / (1 + margin)
            for name in (
                "sms_segments_per_second",
                "telegram_per_second",
                "telegram_per_chat_per_second",
                "slack_per_channel_per_second",
            )
        }
    )


@dataclass(frozen=True, slots=True)
class Scope:
    key: str  # "sms", "telegram", "telegram:<chat>", "slack:<channel>"
    per_second: float  # cost units (messages, or SMS segments) a second
    wide: bool = False  # covers a whole channel: when full, claiming for that channel stops


@dataclass(frozen=True, slots=True)
class Pace:
    """What sending one message takes: `cost` units in each of `scopes`."""

    scopes: tuple[Scope, ...] = ()
    cost: float = 1.0

    def busy_for(self, scope: Scope) -> timedelta:
        return _length(self.cost, scope)

    @property
    def tight(self) -> bool:
        """Slots under half a second apart, where a timer's millisecond of slack would show."""
        return any(scope.per_second > 2 for scope in self.scopes)


def _length(cost: float, scope: Scope) -> timedelta:
    """Rounded up to the microsecond: a rounded-down gap would be a (tiny) violation."""
    return timedelta(microseconds=math.ceil(cost / scope.per_second * 1_000_000))


def pace_of(message: Outbound, *, segments: int, limits: Pacing) -> Pace:
    """The scopes a message counts against, per provider (PLATFORMS.md A7, B6, C6)."""
    channel = message.to.channel
    if channel == "sms":  # per sender; one sender per process configuration
        return Pace((Scope("sms", limits.sms_segments_per_second, wide=True),), max(1, segments))
    if channel == "telegram":
        chat = message.reply_to or message.to.id
        return Pace(
            (
                Scope("telegram", limits.telegram_per_second, wide=True),
                Scope(f"telegram:{chat}", limits.telegram_per_chat_per_second),
            )
        )
    if channel == "slack":  # what chat.postMessage is given: the thread's channel, or the user
        where = message.reply_to or message.to.id.rpartition(":")[2]
        return Pace((Scope(f"slack:{where}", limits.slack_per_channel_per_second),))
    return Pace()  # the console and test channels have no limit


def wide_scopes(limits: Pacing) -> dict[str, Scope]:
    """The channel-wide scope of each paced channel, by channel name."""
    return {
        "sms": Scope("sms", limits.sms_segments_per_second, wide=True),
        "telegram": Scope("telegram", limits.telegram_per_second, wide=True),
    }


@dataclass(slots=True)
class _Book:
    starts: list[datetime] = field(default_factory=list)  # sorted; bookings never overlap
    ends: list[datetime] = field(default_factory=list)
    busy_until: datetime | None = None  # from the last real send
    paused_until: datetime | None = None  # a 429's retry-after
    shared_until: datetime | None = None  # the database's schedule, as the last claim saw it
    writing: int = 0  # sends started whose request may not be on the wire yet (Pacer.written)

    def earliest(self, moment: datetime) -> datetime:
        for limit in (self.busy_until, self.paused_until):
            if limit is not None and limit > moment:
                moment = limit
        return moment

    def fit(self, moment: datetime, length: timedelta) -> datetime:
        """The first start at or after `moment` where `length` overlaps no booking."""
        moment = self.earliest(moment)
        if self.shared_until is not None and self.shared_until > moment:
            moment = self.shared_until
        i = bisect.bisect_right(self.ends, moment)
        while i < len(self.starts) and self.starts[i] < moment + length:
            moment = max(moment, self.ends[i])
            i += 1
        return moment


class Pacer:
    """The send schedule of one process, shared by every row it dispatches."""

    def __init__(self) -> None:
        self._books: dict[str, _Book] = {}
        self._booked = 0

    def _book(self, scope: Scope) -> _Book:
        found = self._books.get(scope.key)
        if found is None:
            found = self._books[scope.key] = _Book()
        return found

    def book(self, pace: Pace, now: datetime) -> datetime:
        """Reserve the earliest slot at or after `now` that is free in every scope."""
        slot = now
        settled = False
        while not settled:
            settled = True
            for scope in pace.scopes:
                fits = self._book(scope).fit(slot, pace.busy_for(scope))
                if fits != slot:
                    slot, settled = fits, False
        for scope in pace.scopes:
            book = self._book(scope)
            i = bisect.bisect_left(book.starts, slot)
            book.starts.insert(i, slot)
            book.ends.insert(i, slot + pace.busy_for(scope))
        self._booked += 1
        if self._booked % _PRUNE_EVERY == 0:
            self._prune(now)
        return slot

    def cancel(self, pace: Pace, slot: datetime) -> None:
        """Give a booked slot back (the row went back to the outbox instead)."""
        for scope in pace.scopes:
            book = self._books.get(scope.key)
            if book is None:
                continue
            i = bisect.bisect_left(book.starts, slot)
            if i < len(book.starts) and book.starts[i] == slot:
                del book.starts[i], book.ends[i]

    def free_at(self, scope: Scope, now: datetime) -> datetime:
        """When a one-unit message could start in this scope, bookings and pauses considered."""
        book = self._books.get(scope.key)
        return now if book is None else book.fit(now, _length(1, scope))

    def next_start(self, scope: Scope, after: datetime) -> datetime | None:
        """The first booked slot in the scope at or after `after`."""
        book = self._books.get(scope.key)
        if book is None:
            return None
        i = bisect.bisect_left(book.starts, after)
        return book.starts[i] if i < len(book.starts) else None

    def ready_at(
        self, pace: Pace, slot: datetime | None, now: datetime, not_before: datetime | None = None
    ) -> datetime | None:
        """When this booked message may go, given the real sends before it and any pause (`now`
        if now); None when only an earlier booking in one of its scopes, still waiting, holds it
        back: sends keep their booked order, so one that wakes a little late is not overtaken
        (and starved) by the next. `not_before`: the slot claimed in the database. Then the
        database's order is the one kept: an earlier booking that has not claimed yet will
        claim after this one, and waiting for it would queue every send of the process behind
        one claim's round trip at a time (~120 sends/s on PostgreSQL under load). Such a send
        waits only for a send just started in one of its scopes to reach the wire."""
        moment = now if slot is None or slot < now else slot
        if not_before is not None and not_before > moment:
            moment = not_before
        waiting = False
        for scope in pace.scopes:
            book = self._books.get(scope.key)
            if book is None:
                continue
            if not_before is not None:
                waiting = waiting or book.writing > 0
            elif slot is not None and book.starts:
                waiting = waiting or book.starts[0] < slot
            moment = book.earliest(moment)
        return None if waiting and moment <= now else moment

    def sent(self, pace: Pace, slot: datetime | None, now: datetime) -> None:
        """A send starts now: its booking becomes real; call with nothing awaited in between."""
        if slot is not None:
            self.cancel(pace, slot)
        for scope in pace.scopes:
            book = self._book(scope)
            until = now + pace.busy_for(scope)
            if book.busy_until is None or until > book.busy_until:
                book.busy_until = until

    def writing(self, pace: Pace) -> None:
        """A send just started: until `written`, its request may still be on its way to the
        wire (on Python 3.11 aiohttp writes it from a task of its own, a loop turn later)."""
        for scope in pace.scopes:
            self._book(scope).writing += 1

    def written(self, pace: Pace, now: datetime) -> None:
        """The send's request is on the wire by `now`: its scopes are busy from then (a loop
        turn or two after `sent`, under load several milliseconds)."""
        for scope in pace.scopes:
            book = self._books.get(scope.key)
            if book is None:
                continue
            book.writing = max(0, book.writing - 1)
            until = now + pace.busy_for(scope)
            if book.busy_until is None or until > book.busy_until:
                book.busy_until = until

    def pause(self, scope: Scope, until: datetime) -> None:
        """The provider said 429: nothing more in this scope until `until`."""
        book = self._book(scope)
        if book.paused_until is None or until > book.paused_until:
            book.paused_until = until

    def paused_past(self, pace: Pace, moment: datetime) -> bool:
        """Whether a 429's pause in one of the message's scopes lasts beyond `moment`."""
        for scope in pace.scopes:
            book = self._books.get(scope.key)
            if book is not None and book.paused_until is not None and book.paused_until > moment:
                return True
        return False

    def shared(self, scope_key: str, free: datetime) -> None:
        """A database claim saw this scope next free at `free` (other processes' sends count)."""
        book = self._books.get(scope_key)
        if book is None:
            book = self._books[scope_key] = _Book()
        book.shared_until = free

    def _prune(self, now: datetime) -> None:
        for key, book in list(self._books.items()):
            while book.ends and book.ends[0] < now - timedelta(seconds=60):
                del book.starts[0], book.ends[0]  # never sent nor cancelled: a lost task
            times = (book.busy_until, book.paused_until, book.shared_until)
            idle = all(t is None or t <= now for t in times)
            if idle and not book.starts and not book.writing:
                del self._books[key]
