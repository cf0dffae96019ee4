"""Whether a claimed outbox row may go now: opt-out, a sender's flood, quiet hours and the cap.

Direct answers (kinds.DIRECT_KINDS) face opt-out, and replies the flood and loop guards: a
reply queued while `burst_replies` older replies to the same person were still unsent (they
wrote again and again without waiting for an answer; 60 texts in a second) is coalesced,
skipped and recorded, unless it answers the burst's last message, which is sent once nothing
newer came for BURST_SETTLES; the same words twice in one burst go once. So the flood gets a
few answers, the person's last question is answered, and other people's replies wait seconds
behind it, not a minute. An auto-responder answering every reply trips
`loop_replies_per_hour` and is not answered again until its hour's count falls. The first reply
it mutes in an hour goes as a notice instead ("I'll be quiet for a little while..."), so that a
fast human texter knows: one message more at most an hour, itself counted, so it cannot feed a
loop; its decision is written in the row's history in the claim's transaction, and an hour with
a notice in it gets no other.

A proactive message due in quiet hours, or over the person's weekly cap, is deferred to the
first moment it is allowed, never dropped: the row stays the truth and is judged again when it
falls due. The cap counts what was actually sent (and what is being sent) in the last rolling
7 days, to the person on any channel.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.i18n import Catalogs
from bot.core.kinds import DIRECT_KINDS, PAST_OPT_OUT, REPLY, is_proactive
from bot.core.messages import Address
from bot.core.program import Delivery, Program, QuietHours
from bot.core.store import Tx
from bot.core.store.outbox import ReplyCounts
from bot.core.store.records import Identity, OutboxRow, Participant
from bot.delivery.quiet_hours import allowed_from, recipient_zones

WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
BURST_SETTLES = timedelta(seconds=2)  # no newer message this long: the burst's last one
QUIET_NOTICE = "quiet_notice"  # history event of the row that told a muted sender so


@dataclass(frozen=True, slots=True)
class Verdict:
    """Send now, skip for good (`skip`), or wait until `until`; `why` is shown in outbox list.
    A verdict with `text` sends those words in place of the row's own (the loop guard's notice)."""

    until: datetime | None = None
    skip: bool = False
    why: str = ""
    text: str | None = None

    @property
    def send(self) -> bool:
        return self.until is None and not self.skip


SEND = Verdict()
MUTED = Verdict(skip=True, why="loop guard")  # a reply the loop guard mutes: `_muted` decides


def heeds_stop(row: OutboxRow) -> bool:
    """Whether an opt-out keeps this row from going (a STOP's own confirmation goes past it)."""
    return row.kind not in PAST_OPT_OUT


def refusal(row: OutboxRow, opted_out: bool, unreachable: bool) -> str | None:
    """Why this row may not go to its address any more, from what the address said last, if
    it may not (STOP wins at send time)."""
    if not heeds_stop(row):
        return None
    if opted_out:
        return "opted_out"
    return "unreachable" if unreachable else None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryPolicy:
    quiet: QuietHours
    max_per_week: int
    default_zone: ZoneInfo
    guards: Delivery | None = None  # the flood and loop guards; None: off
    catalogs: Catalogs | None = None  # the loop guard's notice; None: it mutes silently

    @classmethod
    def of(
        cls, program: Program, *, guards: bool = True, catalogs: Catalogs | None = None
    ) -> DeliveryPolicy:
        return cls(
            quiet=program.quiet_hours,
            max_per_week=program.max_proactive_per_week,
            default_zone=ZoneInfo(program.default_time_zone),
            guards=program.delivery if guards else None,
            catalogs=catalogs,
        )

    async def judge_all(self, tx: Tx, rows: Sequence[OutboxRow], now: datetime) -> list[Verdict]:
        """Verdicts for one claimed batch, in its order, from a few statements for the whole
        batch (opt-outs, reply counts, the people, their week's sends), not a few per row.
        The people are read and locked together, in id order, so that the PostgreSQL row locks
        of concurrent dispatchers are always taken in the same order."""
        batch = [row.id for row in rows]
        known = await tx.participants.identities(row.to for row in rows)
        refused = {row.id: self._refusal(row, known) for row in rows}
        open_rows = [row for row in rows if refused[row.id] is None]
        replies = [row for row in open_rows if row.kind == REPLY]
        counts = (
            await tx.outbox.reply_counts_each(replies, since=now - HOUR)
            if self.guards is not None
            else {}
        )
        floods = {row.id: self._flood(row, counts[row.id], now) for row in replies if counts}
        proactive = [row for row in open_rows if is_proactive(row.kind) and row.kind != REPLY]
        persons = {row.id: self._person(row, known.get(row.to)) for row in proactive}
        muted = [
            row.participant_id
            for row in replies
            if floods.get(row.id) is MUTED and self.catalogs is not None
        ]
        # Held while deciding: the cap decisions of one person take turns, and so do two
        # dispatchers' replies to one person (PostgreSQL; SQLite's write lock serialises all).
        people = await tx.participants.get_many(
            [p for p in [*persons.values(), *muted] if p is not None], lock=True
        )
        week = await tx.outbox.proactive_times_each(
            sorted({p for p in persons.values() if p is not None}),
            direct=DIRECT_KINDS,
            since=now - WEEK,
            now=now,
            besides=batch,
        )
        approved: Counter[object] = Counter()
        verdicts: dict[int, Verdict] = {}
        for row in sorted(rows, key=lambda r: (r.participant_id or 0, r.id)):
            reason = refused[row.id]
            if reason is not None:
                verdicts[row.id] = Verdict(skip=True, why=reason)
            elif row.kind == REPLY:
                flood = floods.get(row.id, SEND)
                if flood is MUTED:
                    them = None if row.participant_id is None else people.get(row.participant_id)
                    flood = await self._muted(tx, row, now, counts[row.id].sent, them)
                verdicts[row.id] = flood
            elif not is_proactive(row.kind):
                verdicts[row.id] = SEND
            else:
                person = persons[row.id]
                participant = None if person is None else people.get(person)
                verdicts[row.id] = await self._capped(
                    tx, row, person, participant, week, batch, approved, now
                )
        return [verdicts[row.id] for row in rows]

    @staticmethod
    def _refusal(row: OutboxRow, known: Mapping[Address, Identity]) -> str | None:
        identity = known.get(row.to)
        said = (False, False) if identity is None else (identity.opted_out, identity.unreachable)
        return refusal(row, *said)

    @staticmethod
    def _person(row: OutboxRow, identity: Identity | None) -> int | None:
        if row.participant_id is not None:
            return row.participant_id
        return None if identity is None else identity.participant_id

    async def _capped(
        self,
        tx: Tx,
        row: OutboxRow,
        person: int | None,
        participant: Participant | None,
        week: Mapping[int, list[datetime]],
        batch: Sequence[int],
        approved: Counter[object],
        now: datetime,
    ) -> Verdict:
        """A proactive message: quiet hours in the person's zone, then their weekly cap."""
        stored, lang = (
            (None, None) if participant is None else (participant.time_zone, participant.lang)
        )
        zones = recipient_zones(stored, row.to, self.default_zone, lang)
        allowed = allowed_from(now, zones, self.quiet, self.default_zone)
        if allowed > now:
            return Verdict(until=allowed, why=f"quiet hours in {zones[0].key}")
        if self.max_per_week <= 0:
            return Verdict(skip=True, why="proactive messages are off (max_proactive_per_week=0)")
        key: object = person if person is not None else row.to
        if person is not None:
            sent = list(week[person])
        else:  # nobody on record behind the address: its own sends count
            sent = await tx.outbox.proactive_times(
                participant_id=None,
                address=row.to,
                direct=DIRECT_KINDS,
                since=now - WEEK,
                now=now,
                besides=batch,
            )
        sent += [now] * approved[key]
        if len(sent) >= self.max_per_week:
            # Free again when enough of the week's messages have aged out; then quiet hours.
            free = sorted(sent)[len(sent) - self.max_per_week] + WEEK
            until = allowed_from(free, zones, self.quiet, self.default_zone)
            return Verdict(until=until, why=f"weekly cap of {self.max_per_week} reached")
        approved[key] += 1
        return SEND

    def _flood(self, row: OutboxRow, counts: ReplyCounts, now: datetime) -> Verdict:
        """Replies to one address: a burst answered at its start and at its end, the same
        words never twice in it, and an auto-responder muted (MUTED: `_muted` decides how)."""
        guards = self.guards
        if guards is None:
            return SEND
        if counts.same:
            return Verdict(skip=True, why="coalesced: the same answer went to this sender "
                           "moments ago")  # fmt: skip
        if counts.ahead >= guards.burst_replies:
            if counts.behind:
                return Verdict(skip=True, why=f"coalesced: {guards.burst_replies} earlier "
                               "replies were waiting and a later one answers the last "
                               "message")  # fmt: skip
            if now - row.created_at < BURST_SETTLES:
                # The latest so far: the last message of a burst is what the person wants
                # answered ("hi", "hello?", "what's my link?"), once the burst is over.
                return Verdict(until=row.created_at + BURST_SETTLES, why="a burst settling")
        if counts.sent >= guards.loop_replies_per_hour:
            return MUTED
        return SEND

    async def _muted(
        self, tx: Tx, row: OutboxRow, now: datetime, sent: int, person: Participant | None
    ) -> Verdict:
        """The loop guard's answer: skipped, or the hour's one notice in the reply's place."""
        muted = Verdict(skip=True, why=f"loop guard: {sent} replies in the last hour "
                        "(an auto-responder?)")  # fmt: skip
        if self.catalogs is None or self.guards is None:
            return muted
        limit = self.guards.loop_replies_per_hour
        # Another row's notice this hour: muted. This row's own (its send failed): sent again.
        if await tx.outbox.noted_since(row.to, QUIET_NOTICE, since=now - HOUR, besides=row.id):
            return muted
        # Counting the notice itself, the guard lifts when the limit-th newest send ages out.
        sends = [now, *await tx.outbox.reply_times(row.to, since=now - HOUR, limit=limit)]
        minutes = max(1, math.ceil((sends[:limit][-1] + HOUR - now) / MINUTE))
        lang = "en" if person is None else person.lang
        await tx.outbox.note(row.id, QUIET_NOTICE, at=now, detail=f"instead of: {row.text[:200]}")
        text = self.catalogs.text(lang, "guard.quiet", count=minutes)
        return Verdict(why=f"loop guard notice: {sent} replies in the last hour", text=text)
