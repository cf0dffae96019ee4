"""The dashboard's lists: referrers to search, referrals to filter, rewards to decide, messages
to look after. Totals and rates are the reports module's; these are rows to page through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import from_micros, to_micros
from bot.core.staff_names import staff_name
from bot.core.store.database import Connection, containing
from bot.core.store.records import COUNTED
from bot.core.store.reward_record import COLUMNS as REWARD_COLUMNS
from bot.core.store.reward_record import Reward, reward_of

_COUNTED = ", ".join(f"'{status}'" for status in COUNTED)


def nameless_phone(alias: str) -> str:
    """SQL: the SMS number of participant `alias` when they have no name, to tell them apart
    by (staff_names.py); NULL for everyone named."""
    return (
        f"CASE WHEN TRIM({alias}.display_name) = '' THEN (SELECT MIN(n.address) "
        f"FROM identities n WHERE n.participant_id = {alias}.id AND n.channel = 'sms') END"
    )

SORTS = {
    "referrals": "referrals DESC, p.id",
    "name": "p.display_name, p.id",
    "newest": "p.created_at DESC, p.id DESC",
}


@dataclass(frozen=True, slots=True)
class ReferrerLine:
    id: int
    name: str
    code: str
    referrals: int
    channels: str  # the channels they have an identity on, comma-separated
    created_at: datetime
    phone: str | None = None  # when they have no name

    @property
    def label(self) -> str:
        return staff_name(self.name, participant_id=self.id, phone=self.phone)


@dataclass(frozen=True, slots=True)
class ReferralLine:
    id: int
    referrer_id: int
    referrer: str
    friend_id: int
    friend: str
    code: str
    channel: str
    status: str
    reason: str | None
    created_at: datetime
    referrer_phone: str | None = None  # each when they have no name
    friend_phone: str | None = None

    @property
    def referrer_label(self) -> str:
        return staff_name(self.referrer, participant_id=self.referrer_id, phone=self.referrer_phone)

    @property
    def friend_label(self) -> str:
        return staff_name(self.friend, participant_id=self.friend_id, phone=self.friend_phone)


@dataclass(frozen=True, slots=True)
class RewardLine:
    reward: Reward
    person: str
    decided_by: str  # the actor of the latest entry: "system", "cli", "admin:a@b.c", ...
    decided_at: datetime
    phone: str | None = None  # when the person has no name

    @property
    def person_label(self) -> str:
        return staff_name(self.person, participant_id=self.reward.participant_id, phone=self.phone)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralFilter:
    status: str | None = None
    reason: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> tuple[str, list[object]]:
        parts: list[str] = ["1 = 1"]
        params: list[object] = []
        for column, value in (("r.status", self.status), ("r.reason", self.reason),
                              ("r.channel", self.channel)):
            if value:
                parts.append(f"{column} = ?")
                params.append(value)
        if self.since is not None:
            parts.append("r.created_at >= ?")
            params.append(to_micros(self.since))
        if self.until is not None:
            parts.append("r.created_at < ?")
            params.append(to_micros(self.until))
        return " AND ".join(parts), params


class AdminViews:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def referrers(
        self, *, search: str = "", sort: str = "referrals", limit: int = 50, offset: int = 0
    ) -> list[ReferrerLine]:
        where, params = "", []
        if search.strip():
            like = containing(search.strip())
            where = (
                "WHERE LOWER(p.display_name) LIKE ? ESCAPE '\\' "
                "OR LOWER(p.code) LIKE ? ESCAPE '\\' OR EXISTS "
                "(SELECT 1 FROM identities i WHERE i.participant_id = p.id "
                "AND LOWER(i.address) LIKE ? ESCAPE '\\') "
            )
            params = [like, like, like]
        rows = await self._conn.fetchall(
            "SELECT p.id, p.display_name, p.code, p.created_at, "
            "(SELECT COUNT(*) FROM referrals r WHERE r.referrer_id = p.id "
            f"AND r.status IN ({_COUNTED})) AS referrals, {nameless_phone('p')} "
            f"FROM participants p {where}"
            f"ORDER BY {SORTS.get(sort, SORTS['referrals'])} LIMIT ? OFFSET ?",
            *params, limit, offset,
        )
        channels: dict[int, set[str]] = {}
        if rows:
            ids = [int(r[0]) for r in rows]
            marks = ", ".join("?" for _ in ids)
            for person, channel in await self._conn.fetchall(
                f"SELECT participant_id, channel FROM identities WHERE participant_id IN ({marks})",
                *ids,
            ):
                channels.setdefault(int(person), set()).add(channel)
        return [
            ReferrerLine(
                int(r[0]), r[1], r[2], int(r[4]), ", ".join(sorted(channels.get(int(r[0]), ()))),
                from_micros(r[3]), r[5],
            )
            for r in rows
        ]

    async def referrals(
        self, where: ReferralFilter, *, limit: int = 200, referrer_id: int | None = None
    ) -> list[ReferralLine]:
        clause, params = where.where()
        if referrer_id is not None:
            clause += " AND r.referrer_id = ?"
            params.append(referrer_id)
        rows = await self._conn.fetchall(
            "SELECT r.id, r.referrer_id, a.display_name, r.friend_id, b.display_name, r.code, "
            "r.channel, r.status, r.reason, r.created_at, "
            f"{nameless_phone('a')}, {nameless_phone('b')} FROM referrals r "
            "JOIN participants a ON a.id = r.referrer_id "
            "JOIN participants b ON b.id = r.friend_id "
            f"WHERE {clause} ORDER BY r.created_at DESC, r.id DESC LIMIT ?",
            *params, limit,
        )
        return [
            ReferralLine(int(r[0]), int(r[1]), r[2], int(r[3]), r[4], r[5], r[6], r[7], r[8],
                         from_micros(r[9]), r[10], r[11])
            for r in rows
        ]

    async def rewards(
        self, *, status: str | None = None, participant_id: int | None = None, limit: int = 200
    ) -> list[RewardLine]:
        """Held for review first, then pending, approved, and the rest, newest first."""
        parts: list[str] = ["1 = 1"]
        params: list[object] = []
        if status:
            parts.append("w.status = ?")
            params.append(status)
        if participant_id is not None:
            parts.append("w.participant_id = ?")
            params.append(participant_id)
        columns = ", ".join(f"w.{c.strip()}" for c in REWARD_COLUMNS.split(","))
        rows = await self._conn.fetchall(
            f"SELECT {columns}, p.display_name, e.actor, e.at, {nameless_phone('p')} "
            "FROM rewards w "
            "JOIN participants p ON p.id = w.participant_id "
            "JOIN reward_entries e ON e.id = (SELECT MAX(id) FROM reward_entries x "
            "WHERE x.reward_id = w.id) "
            f"WHERE {' AND '.join(parts)} ORDER BY "
            "CASE WHEN w.status = 'pending' AND w.held IS NOT NULL THEN 0 "
            "WHEN w.status = 'pending' THEN 1 WHEN w.status = 'approved' THEN 2 ELSE 3 END, "
            "w.id DESC LIMIT ?",
            *params, limit,
        )
        return [
            RewardLine(reward_of(r[:17]), r[17], r[18], from_micros(r[19]), r[20]) for r in rows
        ]

    async def note_payout(self, reward_id: int, reference: str) -> None:
        """The payout reference, kept on the `issued` entry of the reward's history."""
        await self._conn.execute(
            "UPDATE reward_entries SET reason = ? WHERE id = (SELECT MAX(id) FROM reward_entries "
            "WHERE reward_id = ? AND status = 'issued')",
            reference,
            reward_id,
        )

    async def payouts(self, reward_ids: list[int]) -> dict[int, str]:
        if not reward_ids:
            return {}
        marks = ", ".join("?" for _ in reward_ids)
        rows = await self._conn.fetchall(
            f"SELECT reward_id, reason FROM reward_entries WHERE status = 'issued' "
            f"AND reason IS NOT NULL AND reward_id IN ({marks})",
            *reward_ids,
        )
        return {int(r[0]): r[1] for r in rows}

    async def outbox_ids(self, state: str, *, now: datetime, limit: int = 200) -> list[int]:
        """Rows by what the owner needs to know: due, deferred (why and until when), waiting,
        failing (retried with backoff), dead, skipped; newest first, webhooks on their own."""
        micros = to_micros(now)
        where = {
            "due": ("status IN ('scheduled', 'sending') AND due_at <= ? "
                    "AND (last_error IS NULL OR last_error NOT LIKE 'deferred:%')", [micros]),
            "deferred": ("status = 'scheduled' AND last_error LIKE 'deferred:%'", []),
            "waiting": ("status = 'scheduled' AND due_at > ? AND last_error IS NULL", [micros]),
            "failing": ("status = 'scheduled' AND last_error IS NOT NULL "
                        "AND last_error NOT LIKE 'deferred:%' AND due_at > ?", [micros]),
            "dead": ("status = 'dead'", []),
            "skipped": ("status = 'skipped'", []),
            "sent": ("status = 'sent'", []),
        }[state]
        rows = await self._conn.fetchall(
            f"SELECT id FROM outbox WHERE {where[0]} AND channel <> 'webhook' "
            "ORDER BY id DESC LIMIT ?",
            *where[1], limit,
        )
        return [int(r[0]) for r in rows]

    async def webhook_ids(self, *, limit: int = 100) -> list[int]:
        rows = await self._conn.fetchall(
            "SELECT id FROM outbox WHERE channel = 'webhook' ORDER BY id DESC LIMIT ?", limit
        )
        return [int(r[0]) for r in rows]
