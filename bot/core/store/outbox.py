"""Outbox rows: every message to a person, durable from the moment its cause commits."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from bot.core.clock import from_micros, to_micros
from bot.core.kinds import DIRECT, DIRECT_KINDS, PROACTIVE
from bot.core.messages import Address, Button, Outbound
from bot.core.store.database import Connection, Row, among, blind, index_key
from bot.core.store.records import OutboxRow


@dataclass(frozen=True, slots=True)
class ReplyCounts:
    """Replies to one address, seen from one of them (the flood guard's facts)."""

    ahead: int  # older ones unsent when this one was queued, or coalesced themselves
    behind: int  # newer ones still waiting: the person wrote again since
    same: int  # older ones of that burst with the very same words
    sent: int  # sent since the hour the loop guard looks at


class _OutboxRow(NamedTuple):
    """An outbox row as the store reads it, by column name: SELECTs are written from these
    fields (with _EXPRESSIONS where a column is not read as it is), so a column added or moved
    cannot shift another's value."""

    id: int
    channel: str
    address: str
    reply_to: str | None
    participant_id: int | None
    kind: str
    text: str
    buttons: str
    dedupe_key: str | None
    due_at: int
    status: str
    attempts: int
    last_error: str | None
    provider_id: str | None
    delivery_status: str | None
    created_at: int
    sent_at: int | None
    edit_of: str | None
    thread: str | None
    ephemeral: int
    markup: int
    priority: int
    uncertain: int
    first_due_at: int


_EXPRESSIONS = {"first_due_at": "COALESCE(first_due_at, due_at)"}  # rows from before 0040
_COLUMNS = ", ".join(_EXPRESSIONS.get(name, name) for name in _OutboxRow._fields)
_INSERTED = (
    "channel, address, reply_to, participant_id, kind, text, buttons, dedupe_key, due_at, "
    "created_at, edit_of, thread, ephemeral, markup, priority, first_due_at"
)
_ROW_MARKS = "(" + ", ".join("?" for _ in _INSERTED.split(", ")) + ")"
BATCH = 500  # rows per INSERT: 16 parameters each stays far below SQLite's 32,766
STATUSES = ("scheduled", "sending", "sent", "dead", "skipped")

# Which addresses a dispatcher may claim, per channel: None means every address.
Reach = Mapping[str, frozenset[str] | None]


# Provider delivery states in the order they can happen; the final ones share the top rank.
_DELIVERY_ORDER = {
    None: 0,
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "delivered": 5,
    "read": 6,
    "undelivered": 6,
    "failed": 6,
    "canceled": 6,
}


def delivery_rank(status: str | None) -> int:
    return _DELIVERY_ORDER.get(status, 0)


def _row(row: Row) -> OutboxRow:
    r = _OutboxRow._make(row)  # a row of another width raises
    return OutboxRow(
        id=int(r.id),
        to=Address(r.channel, r.address),
        reply_to=r.reply_to,
        participant_id=None if r.participant_id is None else int(r.participant_id),
        kind=r.kind,
        text=r.text,
        buttons=tuple(Button(*button) for button in json.loads(r.buttons)),
        dedupe_key=r.dedupe_key,
        due_at=from_micros(r.due_at),
        status=r.status,
        attempts=int(r.attempts),
        last_error=r.last_error,
        provider_id=r.provider_id,
        delivery_status=r.delivery_status,
        created_at=from_micros(r.created_at),
        sent_at=None if r.sent_at is None else from_micros(r.sent_at),
        edit_of=r.edit_of,
        thread=r.thread,
        ephemeral=bool(r.ephemeral),
        markup=bool(r.markup),
        priority=int(r.priority),
        uncertain=int(r.uncertain),
        first_due_at=from_micros(r.first_due_at),
    )


class Claim(NamedTuple):
    """One claim of due rows: where to (Reach), at most how many, of which priority (None:
    any, direct answers first)."""

    reach: Reach
    limit: int
    priority: int | None = None

    def takes(self, row: OutboxRow) -> bool:
        if self.priority is not None and row.priority != self.priority:
            return False
        if row.to.channel not in self.reach:
            return False
        addresses = self.reach[row.to.channel]
        return addresses is None or row.to.id in addresses


_SENT = "column1, column2, column3"  # (id, provider id, sent at): SQLite's names for VALUES


class Reachable(NamedTuple):
    """What an outbox row's address said last, read with the row just before its send."""

    opted_out: bool
    unreachable: bool


@dataclass(frozen=True, slots=True)
class Queued:
    """One message to queue with others in a single INSERT (`Outbox.enqueue_many`)."""

    message: Outbound
    kind: str
    due_at: datetime
    dedupe_key: str | None = None
    participant_id: int | None = None


def _values(row: Queued, at: datetime) -> tuple[object, ...]:
    message = row.message
    buttons = json.dumps(
        [[b.label, b.value, *([b.action] if b.action else [])] for b in message.buttons],
        ensure_ascii=False,
    )
    return (
        message.to.channel,
        message.to.id,
        message.reply_to,
        row.participant_id,
        row.kind,
        message.text,
        buttons,
        index_key(row.dedupe_key),
        to_micros(row.due_at),
        to_micros(at),
        message.edit_of,
        message.thread,
        int(message.ephemeral),
        int(message.markup),
        DIRECT if row.kind in DIRECT_KINDS else PROACTIVE,
        to_micros(row.due_at),
    )


def _reach_clause(reach: Reach) -> tuple[str, list[object]]:
    parts: list[str] = []
    params: list[object] = []
    for channel, addresses in sorted(reach.items()):
        if addresses is None:
            parts.append("channel = ?")
            params.append(channel)
        elif addresses:
            marks = ", ".join("?" for _ in addresses)
            parts.append(f"(channel = ? AND address IN ({marks}))")
            params.extend([channel, *sorted(addresses)])
    return ("(" + " OR ".join(parts) + ")" if parts else "0 = 1"), params


class Outbox:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def last_answer(self, participant_id: int) -> OutboxRow | None:
        """The latest direct answer to this person: a question of ours their "1" may answer."""
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM outbox WHERE participant_id = ? "
            "AND kind IN ('reply', 'clarify') ORDER BY id DESC LIMIT 1",
            participant_id,
        )
        return None if row is None else _row(row)

    async def enqueue(
        self,
        message: Outbound,
        *,
        kind: str,
        due_at: datetime,
        at: datetime,
        dedupe_key: str | None = None,
        participant_id: int | None = None,
    ) -> int | None:
        """Queue a message; None when its dedupe key was queued before (same cause, once)."""
        row = await self._conn.fetchone(
            f"INSERT INTO outbox ({_INSERTED}) VALUES {_ROW_MARKS} "
            "ON CONFLICT DO NOTHING RETURNING id",
            *_values(Queued(message, kind, due_at, dedupe_key, participant_id), at),
        )
        return None if row is None else int(row[0])

    async def enqueue_many(self, rows: Sequence[Queued], *, at: datetime) -> int:
        """Queue several messages in one statement (per BATCH); returns how many were new,
        the rest having had their dedupe key queued before."""
        new = 0
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            params = [value for row in chunk for value in _values(row, at)]
            inserted = await self._conn.fetchall(
                f"INSERT INTO outbox ({_INSERTED}) VALUES {', '.join([_ROW_MARKS] * len(chunk))} "
                "ON CONFLICT DO NOTHING RETURNING id",
                *params,
            )
            new += len(inserted)
        return new

    async def claim_due(
        self,
        *,
        now: datetime,
        reach: Reach,
        limit: int,
        lease: timedelta,
        priority: int | None = None,
    ) -> list[OutboxRow]:
        """Take due rows for sending, direct answers first, then oldest first (a row whose lease
        ran out is not among them: see `lapsed`). `priority`: only rows of that priority."""
        [rows] = await self.claim_due_each([Claim(reach, limit, priority)], now=now, lease=lease)
        return rows

    async def claim_due_each(
        self, claims: Sequence[Claim], *, now: datetime, lease: timedelta
    ) -> list[list[OutboxRow]]:
        """`claim_due` for several claims that share no row (other channels or priorities), in
        one statement: the rows of each, in its order."""
        postgres = self._conn.dialect == "postgres"
        lock = " FOR UPDATE SKIP LOCKED" if postgres else ""
        # The waiting rows in the order they go, each priority's due ones a range of the claim
        # index (migration 0100). SQLite without statistics would rather range over (status,
        # due_at) and sort all the due rows of a backlog, at every claim.
        waiting = "outbox" if postgres else "outbox INDEXED BY outbox_claim"
        parts: list[str] = []
        params: list[object] = []
        for n, claim in enumerate(claims):
            where, where_params = _reach_clause(claim.reach)
            levels = (DIRECT, PROACTIVE) if claim.priority is None else (claim.priority,)
            where += f" AND priority IN ({', '.join(str(int(level)) for level in levels)})"
            parts.append(
                f"SELECT id FROM (SELECT id FROM {waiting} WHERE status = 'scheduled' "
                f"AND due_at <= ? AND {where} ORDER BY priority, due_at, id LIMIT ?{lock}) "
                f"AS claim{n}"
            )
            params += [to_micros(now), *where_params, claim.limit]
        rows = await self._conn.fetchall(
            "UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1 "
            f"WHERE id IN ({' UNION ALL '.join(parts)}) RETURNING {_COLUMNS}",
            to_micros(now + lease),
            *params,
        )
        taken: list[list[OutboxRow]] = [[] for _ in claims]
        for row in sorted((_row(r) for r in rows), key=lambda r: (r.priority, r.due_at, r.id)):
            n = next((n for n, claim in enumerate(claims) if claim.takes(row)), 0)
            taken[n].append(row)
        return taken

    async def lapsed(
        self, *, now: datetime, reach: Reach, limit: int
    ) -> list[tuple[OutboxRow, datetime]]:
        """Rows whose claim ran out while they were being sent (the process sending them
        stopped), each with when its lease ran out. Whether the provider took the send is
        unknown, so they are settled as uncertain sends (`mark_uncertain`), not claimed again.
        Found by lease time: none, nearly always, however many sends are in flight."""
        postgres = self._conn.dialect == "postgres"
        source = "outbox" if postgres else "outbox INDEXED BY outbox_leased"
        lock = " FOR UPDATE SKIP LOCKED" if postgres else ""
        where, params = _reach_clause(reach)
        rows = await self._conn.fetchall(
            f"SELECT {_COLUMNS}, lease_until FROM {source} WHERE status = 'sending' "
            f"AND lease_until < ? AND {where} ORDER BY lease_until LIMIT ?{lock}",
            to_micros(now),
            *params,
            limit,
        )
        return [(_row(tuple(r)[:-1]), from_micros(int(r[-1]))) for r in rows]

    async def hold_back(self, address: Address, *, until: datetime) -> None:
        """Rows to an address waiting behind a busy chat wait as long, keeping their order."""
        await self._conn.execute(
            "UPDATE outbox SET due_at = ? WHERE channel = ? AND address = ? "
            "AND status = 'scheduled' AND due_at < ?",
            to_micros(until),
            address.channel,
            address.id,
            to_micros(until),
        )

    async def still_ours(self, row_id: int, *, lease: int) -> Reachable | None:
        """Whether our claim still holds just before its send (a read, no write: the claim's
        lease already covers the send): None when the lease ran out and another dispatcher
        took the row, so it must not be sent; else, read with it, whether its address said
        STOP or cannot be reached (both False for an address not on record)."""
        row = await self._conn.fetchone(
            "SELECT i.opted_out, i.unreachable FROM outbox o LEFT JOIN identities i "
            "ON i.channel = o.channel AND i.address = o.address "
            "WHERE o.id = ? AND o.status = 'sending' AND o.lease_until = ?",
            row_id,
            lease,
        )
        return None if row is None else Reachable(bool(row[0]), bool(row[1]))

    async def still_ours_each(self, claims: Sequence[tuple[int, int]]) -> dict[int, Reachable]:
        """`still_ours` for each (row id, lease), in one statement: the rows still ours, with
        what was read with each."""
        if not claims:
            return {}
        if self._conn.dialect == "postgres":
            rows = await self._conn.fetchall(
                "SELECT o.id, i.opted_out, i.unreachable "
                f"FROM unnest({blind('bigint')}, {blind('bigint')}) AS w (id, lease) "
                "JOIN outbox o ON o.id = w.id AND o.status = 'sending' AND o.lease_until = w.lease "
                "LEFT JOIN identities i ON i.channel = o.channel AND i.address = o.address",
                [c[0] for c in claims],
                [c[1] for c in claims],
            )
        else:
            marks = ", ".join("(?, ?)" for _ in claims)
            rows = await self._conn.fetchall(
                f"WITH w (id, lease) AS (VALUES {marks}) "
                "SELECT o.id, i.opted_out, i.unreachable FROM w "
                "JOIN outbox o ON o.id = w.id AND o.status = 'sending' AND o.lease_until = w.lease "
                "LEFT JOIN identities i ON i.channel = o.channel AND i.address = o.address",
                *(v for claim in claims for v in claim),
            )
        return {int(r[0]): Reachable(bool(r[1]), bool(r[2])) for r in rows}

    async def proactive_times(
        self,
        *,
        participant_id: int | None,
        address: Address,
        direct: frozenset[str],
        since: datetime,
        now: datetime,
        besides: Sequence[int] = (),
    ) -> list[datetime]:
        """When the proactive messages to one person since `since` went out, oldest first; rows
        being sent count as sent now, except `besides` (the claim being decided)."""
        who, who_params = (
            ("participant_id = ?", [participant_id])
            if participant_id is not None
            else ("channel = ? AND address = ?", [address.channel, address.id])
        )
        kinds = ", ".join("?" for _ in direct) or "NULL"
        skip = ", ".join("?" for _ in besides) or "NULL"
        rows = await self._conn.fetchall(
            f"SELECT COALESCE(sent_at, ?) FROM outbox WHERE {who} AND kind NOT IN ({kinds}) "
            "AND ((status = 'sent' AND sent_at > ?) "
            f"OR (status = 'sending' AND lease_until > ? AND id NOT IN ({skip})))",
            to_micros(now),
            *who_params,
            *sorted(direct),
            to_micros(since),
            to_micros(now),
            *besides,
        )
        return sorted(from_micros(int(r[0])) for r in rows)

    async def proactive_times_each(
        self,
        participant_ids: Sequence[int],
        *,
        direct: frozenset[str],
        since: datetime,
        now: datetime,
        besides: Sequence[int] = (),
    ) -> dict[int, list[datetime]]:
        """`proactive_times` of several people in one statement: each person's, oldest first
        (an empty list for one with none)."""
        found: dict[int, list[datetime]] = {person: [] for person in participant_ids}
        if not found:
            return found
        people, people_params = among(self._conn.dialect, "participant_id", sorted(found))
        skip, skip_params = among(self._conn.dialect, "id", besides, negated=True)
        kinds = ", ".join("?" for _ in direct) or "NULL"
        rows = await self._conn.fetchall(
            f"SELECT participant_id, COALESCE(sent_at, ?) FROM outbox "
            f"WHERE {people} AND kind NOT IN ({kinds}) "
            "AND ((status = 'sent' AND sent_at > ?) "
            f"OR (status = 'sending' AND lease_until > ? AND {skip}))",
            to_micros(now),
            *people_params,
            *sorted(direct),
            to_micros(since),
            to_micros(now),
            *skip_params,
        )
        for person, at in rows:
            found[int(person)].append(from_micros(int(at)))
        for times in found.values():
            times.sort()
        return found

    async def reply_counts_each(
        self, rows: Sequence[OutboxRow], *, since: datetime
    ) -> dict[int, ReplyCounts]:
        """`reply_counts` of several replies in one statement, by row id."""
        if not rows:
            return {}
        fields = [
            (row.id, to_micros(row.created_at), row.text, row.to.channel, row.to.id) for row in rows
        ]
        if self._conn.dialect == "postgres":
            wanted = (
                f"unnest({blind('bigint')}, {blind('bigint')}, {blind('text')}, {blind('text')}, "
                f"{blind('text')}) "
                "AS w (id, created_at, text, channel, address)"
            )
            params: list[object] = [list(column) for column in zip(*fields, strict=True)]
        else:
            marks = ", ".join("(?, ?, ?, ?, ?)" for _ in fields)
            wanted = (
                "(SELECT column1 AS id, column2 AS created_at, column3 AS text, "
                f"column4 AS channel, column5 AS address FROM (VALUES {marks})) AS w"
            )
            params = [value for field in fields for value in field]
        found = await self._conn.fetchall(
            "SELECT w.id, "
            "COUNT(CASE WHEN o.id < w.id AND (o.status IN ('scheduled', 'sending') "
            "OR (o.status = 'sent' AND o.sent_at > w.created_at) "
            "OR (o.status = 'skipped' AND o.last_error LIKE 'coalesced%')) THEN 1 END), "
            "COUNT(CASE WHEN o.id > w.id AND o.status IN ('scheduled', 'sending') THEN 1 END), "
            "COUNT(CASE WHEN o.id < w.id AND o.text = w.text AND (o.status IN "
            "('scheduled', 'sending') OR (o.status = 'sent' AND o.sent_at > w.created_at)) "
            "THEN 1 END), "
            "COUNT(CASE WHEN o.status = 'sent' AND o.sent_at > ? THEN 1 END) "
            f"FROM {wanted} JOIN outbox o ON o.channel = w.channel AND o.address = w.address "
            "AND o.kind = 'reply' GROUP BY w.id",
            to_micros(since),  # the statement's first mark, in its SELECT list
            *params,
        )
        counts = {row.id: ReplyCounts(0, 0, 0, 0) for row in rows}
        for r in found:
            counts[int(r[0])] = ReplyCounts(*(int(n or 0) for n in r[1:]))
        return counts

    async def reply_counts(self, row: OutboxRow, *, since: datetime) -> ReplyCounts:
        """The replies to this row's address around it, in one statement (ReplyCounts)."""
        found = await self._conn.fetchone(
            "SELECT COUNT(CASE WHEN id < ? AND (status IN ('scheduled', 'sending') "
            "OR (status = 'sent' AND sent_at > ?) "
            "OR (status = 'skipped' AND last_error LIKE 'coalesced%')) THEN 1 END), "
            "COUNT(CASE WHEN id > ? AND status IN ('scheduled', 'sending') THEN 1 END), "
            "COUNT(CASE WHEN id < ? AND text = ? AND (status IN ('scheduled', 'sending') "
            "OR (status = 'sent' AND sent_at > ?)) THEN 1 END), "
            "COUNT(CASE WHEN status = 'sent' AND sent_at > ? THEN 1 END) "
            "FROM outbox WHERE channel = ? AND address = ? AND kind = 'reply'",
            row.id,
            to_micros(row.created_at),
            row.id,
            row.id,
            row.text,
            to_micros(row.created_at),
            to_micros(since),
            row.to.channel,
            row.to.id,
        )
        if found is None:
            return ReplyCounts(0, 0, 0, 0)
        return ReplyCounts(*(int(n or 0) for n in found))

    async def next_due(self, *, reach: Reach) -> datetime | None:
        """When the first row waiting for `reach` falls due, of either priority."""
        return await self.next_due_of([Claim(reach, 1)])

    async def next_due_of(self, claims: Sequence[Claim]) -> datetime | None:
        """When the first row that one of `claims` would take falls due: only the priorities
        each claims, so that a reminder kept waiting for a slot (a pass claims only answers
        then) is not taken for work due now."""
        first: list[str] = []
        params: list[object] = []
        for claim in claims:
            where, where_params = _reach_clause(claim.reach)
            levels = (DIRECT, PROACTIVE) if claim.priority is None else (claim.priority,)
            # The first waiting row of each priority, a range of the claim index each
            # (migration 0110): ORDER BY stops at the first row in it, where MIN() would scan.
            for level in levels:
                first.append(
                    f"SELECT due_at FROM (SELECT due_at FROM outbox WHERE status = 'scheduled' "
                    f"AND priority = {int(level)} AND {where} ORDER BY due_at LIMIT 1) "
                    f"AS first{len(first)}"
                )
                params += where_params
        if not first:
            return None
        value = await self._conn.fetchval(
            f"SELECT MIN(due_at) FROM ({' UNION ALL '.join(first)}) AS firsts", *params
        )
        return None if value is None else from_micros(value)

    async def mark_sent(self, row_id: int, *, provider_id: str | None, at: datetime) -> None:
        await self.mark_all_sent([(row_id, provider_id, at)])

    async def mark_all_sent(self, sent: Sequence[tuple[int, str | None, datetime]]) -> None:
        """Rows the provider took, as (id, provider id, when): one statement per BATCH."""
        for start in range(0, len(sent), BATCH):
            chunk = sent[start : start + BATCH]
            if self._conn.dialect == "postgres":  # arrays: one statement text, prepared once
                arrays = ", ".join(blind(kind) for kind in ("bigint", "text", "bigint"))
                values = f"unnest({arrays}) AS v({_SENT})"
                params: list[object] = [
                    [row_id for row_id, _, _ in chunk],
                    [index_key(provider_id) for _, provider_id, _ in chunk],
                    [to_micros(at) for _, _, at in chunk],
                ]
            else:
                values = "(VALUES " + ", ".join(["(?, ?, ?)"] * len(chunk)) + ") AS v"
                params = [
                    v for row_id, pid, at in chunk for v in (row_id, index_key(pid), to_micros(at))
                ]
            await self._conn.execute(
                "UPDATE outbox SET status = 'sent', provider_id = v.column2, "
                "sent_at = v.column3, lease_until = NULL, last_error = NULL "
                f"FROM {values} WHERE outbox.id = v.column1",
                *params,
            )

    async def set_text(self, row_id: int, text: str) -> None:
        """The words a row goes out with when they are rendered at send time (a held thanks)."""
        await self._conn.execute("UPDATE outbox SET text = ? WHERE id = ?", text, row_id)

    async def replace_message(self, row_id: int, text: str) -> None:
        """Other words in place of the row's own, plain and without its buttons (a notice)."""
        await self._conn.execute(
            "UPDATE outbox SET text = ?, buttons = '[]', markup = 0 WHERE id = ?", text, row_id
        )

    async def reply_times(self, to: Address, *, since: datetime, limit: int) -> list[datetime]:
        """When the latest replies to an address were sent (at most `limit`), newest first."""
        rows = await self._conn.fetchall(
            "SELECT sent_at FROM outbox WHERE channel = ? AND address = ? AND kind = 'reply' "
            "AND status = 'sent' AND sent_at > ? ORDER BY sent_at DESC LIMIT ?",
            to.channel,
            to.id,
            to_micros(since),
            limit,
        )
        return [from_micros(int(r[0])) for r in rows]

    async def noted_since(
        self, to: Address, event: str, *, since: datetime, besides: int | None = None
    ) -> bool:
        """Whether a row to this address (other than `besides`) has had `event` in its
        history since then."""
        found = await self._conn.fetchval(
            "SELECT 1 FROM outbox_history h JOIN outbox o ON o.id = h.outbox_id "
            "WHERE o.channel = ? AND o.address = ? AND h.event = ? AND h.at > ? AND o.id <> ? "
            "LIMIT 1",
            to.channel,
            to.id,
            event,
            to_micros(since),
            -1 if besides is None else besides,
        )
        return found is not None

    async def mark_skipped(self, row_id: int, *, reason: str) -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = 'skipped', last_error = ?, lease_until = NULL WHERE id = ?",
            reason,
            row_id,
        )

    async def mark_dead(self, row_id: int, *, error: str) -> None:
        await self._conn.execute(
            "UPDATE outbox SET status = 'dead', last_error = ?, lease_until = NULL WHERE id = ?",
            error,
            row_id,
        )

    async def reschedule(
        self, row_id: int, *, due_at: datetime, error: str | None, count_attempt: bool = True
    ) -> None:
        """Back to the queue; `count_attempt=False` when the send never happened (deferred)."""
        await self._conn.execute(
            "UPDATE outbox SET status = 'scheduled', due_at = ?, last_error = ?, "
            "lease_until = NULL, attempts = attempts - ? WHERE id = ?",
            to_micros(due_at),
            error,
            0 if count_attempt else 1,
            row_id,
        )

    async def defer(self, row_id: int, *, until: datetime, why: str) -> None:
        """Not yet, by our own rules (quiet hours, the weekly cap): back to the queue, no attempt
        counted, and, unless a send of it already failed, its expiry counts from when it may
        go, not from when it was first due (a failing row's retry window keeps its origin)."""
        await self._conn.execute(
            "UPDATE outbox SET status = 'scheduled', due_at = ?, "
            "first_due_at = CASE WHEN attempts <= 1 THEN ? ELSE first_due_at END, "
            "last_error = ?, lease_until = NULL, attempts = attempts - 1 WHERE id = ?",
            to_micros(until),
            to_micros(until),
            why,
            row_id,
        )

    async def mark_uncertain(self, row_id: int, *, due_at: datetime, error: str) -> None:
        """The send may or may not have reached the person: one more try, much later."""
        await self._conn.execute(
            "UPDATE outbox SET status = 'scheduled', due_at = ?, last_error = ?, "
            "lease_until = NULL, uncertain = uncertain + 1 WHERE id = ?",
            to_micros(due_at),
            error,
            row_id,
        )

    async def note(self, row_id: int, event: str, *, at: datetime, detail: str = "") -> None:
        """A line of the row's history: uncertain, expired, dead, retried, coalesced..."""
        await self._conn.execute(
            "INSERT INTO outbox_history (outbox_id, at, event, detail) VALUES (?, ?, ?, ?)",
            row_id,
            to_micros(at),
            event,
            detail,
        )

    async def history(self, row_id: int) -> list[tuple[datetime, str, str]]:
        rows = await self._conn.fetchall(
            "SELECT at, event, detail FROM outbox_history WHERE outbox_id = ? ORDER BY at, id",
            row_id,
        )
        return [(from_micros(int(r[0])), r[1], r[2]) for r in rows]

    async def retry_all(
        self, *, status: str, channel: str | None, now: datetime, address: str | None = None
    ) -> list[int]:
        """Every dead (or skipped) row, optionally of one channel (and address), due again now."""
        if status not in ("dead", "skipped"):
            raise ValueError("only dead or skipped rows can be retried")
        # The status as a literal: each has an index of its own (migration 0110).
        where, params = f"status = '{status}'", list[object]()
        if channel is not None:
            where, params = where + " AND channel = ?", [channel]
        if address is not None:
            where, params = where + " AND address = ?", [*params, address]
        rows = await self._conn.fetchall(
            "UPDATE outbox SET status = 'scheduled', due_at = ?, attempts = 0, uncertain = 0, "
            f"first_due_at = ?, lease_until = NULL WHERE {where} RETURNING id",
            to_micros(now),
            to_micros(now),
            *params,
        )
        found = sorted(int(r[0]) for r in rows)
        for row_id in found:
            await self.note(row_id, "retried", at=now, detail=f"by an operator ({status})")
        return found

    async def retry(self, row_id: int, *, now: datetime) -> bool:
        """An operator's second chance for a dead or skipped row: due now, attempts reset."""
        row = await self._conn.fetchone(
            "UPDATE outbox SET status = 'scheduled', due_at = ?, attempts = 0, uncertain = 0, "
            "first_due_at = ?, lease_until = NULL "
            "WHERE id = ? AND status IN ('dead', 'skipped') RETURNING id",
            to_micros(now),
            to_micros(now),
            row_id,
        )
        return row is not None

    async def record_delivery(self, provider_id: str, status: str) -> bool:
        """A provider's delivery report; it only ever moves a row forward, so late or repeated
        callbacks change nothing. False when no row has that provider id or it moved no row."""
        row = await self._conn.fetchone(
            "SELECT id, delivery_status FROM outbox WHERE provider_id = ?", index_key(provider_id)
        )
        if row is None or delivery_rank(status) <= delivery_rank(row[1]):
            return False
        await self._conn.execute(
            "UPDATE outbox SET delivery_status = ? WHERE id = ?", status, int(row[0])
        )
        return True

    async def get(self, row_id: int) -> OutboxRow | None:
        row = await self._conn.fetchone(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", row_id)
        return None if row is None else _row(row)

    async def recent(self, *, status: str | None = None, limit: int = 100) -> list[OutboxRow]:
        if status is None:
            rows = await self._conn.fetchall(
                f"SELECT {_COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?", limit
            )
        else:
            if status not in STATUSES:
                raise ValueError(f"no outbox status {status!r}")
            # A literal, so the index of the dead or the skipped rows (migration 0110) can be
            # used; SQLite without statistics would rather walk every row newest first.
            table = "outbox"
            if status in ("dead", "skipped") and self._conn.dialect == "sqlite":
                table = f"outbox INDEXED BY outbox_{status}"
            rows = await self._conn.fetchall(
                f"SELECT {_COLUMNS} FROM {table} WHERE status = '{status}' "
                "ORDER BY id DESC LIMIT ?",
                limit,
            )
        return [_row(r) for r in rows]

    async def for_address(self, address: Address) -> list[OutboxRow]:
        rows = await self._conn.fetchall(
            f"SELECT {_COLUMNS} FROM outbox WHERE channel = ? AND address = ? ORDER BY id",
            address.channel,
            address.id,
        )
        return [_row(r) for r in rows]
