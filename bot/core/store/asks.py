"""B2B referral asks drafted by account managers in Slack: the wording, its card, its fate.

A draft moves `draft <-> editing -> sent | cancelled` by conditional UPDATEs, so a second
click on Send or Cancel (or two people at once) finds nothing to move. The card and its
updates are outbox rows keyed `staff:ask:<id>:...`; the ask itself is keyed `ask:b2b:<id>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import from_micros, to_micros
from bot.core.store.database import Connection, Row, index_key

OPEN = ("draft", "editing")
_COLUMNS = (
    "id, participant_id, manager, text, status, card_channel, card_ts, decided_by, "
    "created_at, updated_at"
)
_CARD_KEY = re.compile(r"\Astaff:ask:([0-9]{1,18}):")


def card_key(ask_id: int, event: str) -> str:
    """The dedupe key of the card (event "card") and of each change made to it."""
    return f"staff:ask:{ask_id}:{event}"


def ask_key(ask_id: int) -> str:
    return f"ask:b2b:{ask_id}"


@dataclass(frozen=True, slots=True)
class StaffAsk:
    id: int
    participant_id: int  # the client
    manager: str  # the Slack user who drafted it
    text: str
    status: str
    card_channel: str | None  # where the card is, once a click told us (Slack names the DM)
    card_ts: str | None
    decided_by: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True, slots=True)
class Settled:
    """A sent ask whose message the dispatcher is done with."""

    ask: StaffAsk
    status: str  # the outbox row's: sent, dead or skipped
    error: str | None
    sent_at: datetime | None


def _ask(r: Row) -> StaffAsk:
    return StaffAsk(
        id=int(r[0]),
        participant_id=int(r[1]),
        manager=r[2],
        text=r[3],
        status=r[4],
        card_channel=r[5],
        card_ts=r[6],
        decided_by=r[7],
        created_at=from_micros(r[8]),
        updated_at=from_micros(r[9]),
    )


class Asks:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def draft(
        self, *, participant_id: int, manager: str, text: str, at: datetime
    ) -> StaffAsk:
        row = await self._conn.fetchone(
            "INSERT INTO staff_asks (participant_id, manager, text, created_at, updated_at) "
            f"VALUES (?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
            participant_id,
            manager,
            text,
            to_micros(at),
            to_micros(at),
        )
        assert row is not None
        return _ask(row)

    async def get(self, ask_id: int) -> StaffAsk | None:
        row = await self._conn.fetchone(f"SELECT {_COLUMNS} FROM staff_asks WHERE id = ?", ask_id)
        return None if row is None else _ask(row)

    async def place_card(self, ask_id: int, *, channel: str, ts: str) -> None:
        """Where the card landed: posted to a user id, its DM channel is only known later."""
        await self._conn.execute(
            "UPDATE staff_asks SET card_channel = ?, card_ts = ? WHERE id = ?", channel, ts, ask_id
        )

    async def by_card(self, ts: str) -> StaffAsk | None:
        """The ask whose card is the message `ts` (a reply in its thread names it so)."""
        for (key,) in await self._conn.fetchall(
            "SELECT dedupe_key FROM outbox WHERE provider_id = ? AND kind = 'staff'",
            index_key(ts),
        ):
            found = _CARD_KEY.match(key or "")
            if found is not None:
                return await self.get(int(found.group(1)))
        return None

    async def rewrite(self, ask_id: int, text: str, *, at: datetime) -> StaffAsk | None:
        """New wording for an open draft; None once it was sent or cancelled."""
        row = await self._conn.fetchone(
            "UPDATE staff_asks SET text = ?, status = 'draft', updated_at = ? "
            f"WHERE id = ? AND status IN ('draft', 'editing') RETURNING {_COLUMNS}",
            text,
            to_micros(at),
            ask_id,
        )
        return None if row is None else _ask(row)

    async def move(
        self, ask_id: int, *, to: str, at: datetime, by: str | None = None
    ) -> StaffAsk | None:
        """From an open state only; None when it is no longer open."""
        row = await self._conn.fetchone(
            "UPDATE staff_asks SET status = ?, decided_by = COALESCE(?, decided_by), "
            "updated_at = ? WHERE id = ? AND status IN ('draft', 'editing') "
            f"RETURNING {_COLUMNS}",
            to,
            by,
            to_micros(at),
            ask_id,
        )
        return None if row is None else _ask(row)

    async def latest_sent(self, participant_id: int) -> StaffAsk | None:
        """The client's last sent ask whose card we can answer under."""
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM staff_asks WHERE participant_id = ? "
            "AND status = 'sent' AND card_ts IS NOT NULL ORDER BY id DESC LIMIT 1",
            participant_id,
        )
        return None if row is None else _ask(row)

    async def settled(self, *, since: datetime, limit: int = 500) -> list[Settled]:
        """Asks sent since `since` whose message has gone (or failed) and whose account manager
        has not heard of it yet."""
        rows = await self._conn.fetchall(
            f"SELECT {', '.join('a.' + c for c in _COLUMNS.split(', '))}, o.status, "
            "o.last_error, o.sent_at FROM staff_asks a "
            "JOIN outbox o ON o.dedupe_key = 'ask:b2b:' || a.id "
            "WHERE a.status = 'sent' AND a.updated_at >= ? AND a.card_ts IS NOT NULL "
            "AND o.status IN ('sent', 'dead', 'skipped') AND NOT EXISTS (SELECT 1 FROM outbox f "
            "WHERE f.dedupe_key = 'staff:ask:' || a.id || ':outcome') ORDER BY a.id LIMIT ?",
            to_micros(since),
            limit,
        )
        return [
            Settled(_ask(r), r[10], r[11], None if r[12] is None else from_micros(int(r[12])))
            for r in rows
        ]
