"""What the business's people look at in Slack: clients by account manager, when each was last
asked, who decided a reward, and the day's numbers for the digest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.clock import from_micros, to_micros
from bot.core.store.database import Connection, containing, index_key
from bot.core.store.participants import _COLUMNS as PARTICIPANT  # one row shape, one reader
from bot.core.store.participants import _IDENTITY, _participant, identity_row
from bot.core.store.records import Identity, Participant

ASKED = ("sent", "sending", "scheduled")  # an ask on its way counts as asked


@dataclass(frozen=True, slots=True)
class LastAsk:
    at: datetime  # when it went, or is due to go
    queued: bool  # not sent yet


@dataclass(frozen=True, slots=True)
class Posted:
    where: str | None
    provider_id: str | None  # None until the dispatcher has sent it


@dataclass(frozen=True, slots=True)
class Decision:
    status: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class DayNumbers:
    clicks: int = 0
    referrals: Counter[str] = field(default_factory=Counter)  # status -> count
    rejected: Counter[str] = field(default_factory=Counter)  # reason -> count
    held: int = 0  # rewards waiting for a reviewer, now
    held_since: datetime | None = None  # the oldest of them
    failed: Counter[str] = field(default_factory=Counter)  # channel -> dead messages


class StaffViews:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def manages(self, user: str) -> bool:
        """Someone's account manager: the import named them."""
        row = await self._conn.fetchone(
            "SELECT 1 FROM participants WHERE account_manager = ? LIMIT 1", user
        )
        return row is not None

    async def clients(
        self, *, manager: str | None, search: str = "", limit: int = 100
    ) -> list[Participant]:
        """A manager's clients, or every B2B client (manager None), by company and name;
        `search` narrows to company or name containing it."""
        where = ["p.account_manager = ?"] if manager is not None else ["p.segment = 'b2b'"]
        params: list[object] = [manager] if manager is not None else []
        if search:
            where.append(
                "(lower(COALESCE(p.company, '')) LIKE ? ESCAPE '\\' "
                "OR lower(p.display_name) LIKE ? ESCAPE '\\')"
            )
            params += [containing(search), containing(search)]
        rows = await self._conn.fetchall(
            f"SELECT {PARTICIPANT} FROM participants p WHERE {' AND '.join(where)} "
            "ORDER BY lower(COALESCE(p.company, p.display_name)), p.id LIMIT ?",
            *params,
            limit,
        )
        return [_participant(r) for r in rows]

    async def identities(self, participant_ids: Sequence[int]) -> dict[int, list[Identity]]:
        """Each participant's identities, most recently used first."""
        found: dict[int, list[Identity]] = {pid: [] for pid in participant_ids}
        if not participant_ids:
            return found
        marks = ", ".join("?" for _ in participant_ids)
        rows = await self._conn.fetchall(
            f"SELECT {_IDENTITY} FROM identities i WHERE i.participant_id IN ({marks}) "
            "ORDER BY i.last_seen_at DESC, i.created_at DESC",
            *participant_ids,
        )
        for row in rows:
            identity = identity_row(row)
            found[identity.participant_id].append(identity)
        return found

    async def last_asks(self, participant_ids: Sequence[int]) -> dict[int, LastAsk]:
        """The latest referral ask (of any kind: after a purchase, or an account manager's)."""
        if not participant_ids:
            return {}
        marks = ", ".join("?" for _ in participant_ids)
        rows = await self._conn.fetchall(
            "SELECT participant_id, status, COALESCE(sent_at, due_at) FROM outbox "
            f"WHERE kind = 'ask' AND participant_id IN ({marks}) "
            f"AND status IN ({', '.join('?' for _ in ASKED)})",
            *participant_ids,
            *ASKED,
        )
        latest: dict[int, LastAsk] = {}
        for pid, status, at in rows:
            mark = LastAsk(from_micros(int(at)), status != "sent")
            if int(pid) not in latest or mark.at > latest[int(pid)].at:
                latest[int(pid)] = mark
        return latest

    async def posted(self, dedupe_key: str) -> Posted | None:
        """A message queued under this key: where it went and, once sent, its provider id."""
        row = await self._conn.fetchone(
            "SELECT reply_to, provider_id FROM outbox WHERE dedupe_key = ?", index_key(dedupe_key)
        )
        return None if row is None else Posted(row[0], row[1])

    async def decision(self, reward_id: int) -> Decision | None:
        """The reward's latest ledger entry: its state, who put it there and when."""
        row = await self._conn.fetchone(
            "SELECT status, actor, at FROM reward_entries WHERE reward_id = ? "
            "ORDER BY id DESC LIMIT 1",
            reward_id,
        )
        return None if row is None else Decision(row[0], row[1], from_micros(int(row[2])))

    async def day(self, since: datetime, until: datetime) -> DayNumbers:
        window = (to_micros(since), to_micros(until))
        clicks = await self._conn.fetchval(
            "SELECT COUNT(*) FROM clicks WHERE created_at >= ? AND created_at < ?", *window
        )
        numbers = DayNumbers(clicks=int(clicks))
        for status, reason, n in await self._conn.fetchall(
            "SELECT status, reason, COUNT(*) FROM referrals WHERE created_at >= ? "
            "AND created_at < ? GROUP BY status, reason",
            *window,
        ):
            numbers.referrals[status] += int(n)
            if reason is not None:
                numbers.rejected[reason] += int(n)
        held = await self._conn.fetchone(
            "SELECT COUNT(*), MIN(created_at) FROM rewards "
            "WHERE status = 'pending' AND held IS NOT NULL"
        )
        for channel, n in await self._conn.fetchall(
            "SELECT channel, COUNT(*) FROM outbox WHERE status = 'dead' AND due_at >= ? "
            "AND due_at < ? GROUP BY channel",
            *window,
        ):
            numbers.failed[channel] += int(n)
        assert held is not None
        return DayNumbers(
            clicks=numbers.clicks,
            referrals=numbers.referrals,
            rejected=numbers.rejected,
            held=int(held[0]),
            held_since=None if held[1] is None else from_micros(int(held[1])),
            failed=numbers.failed,
        )
