"""Fraud signals and flags: what the rules count, and the flags that send a referral to review.

A flag holds a referral's rewards for a reviewer; it never rejects. Each flag names its
reason code, and the review that resolved it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import from_micros, to_micros
from bot.core.store.database import Connection


@dataclass(frozen=True, slots=True)
class FirstClick:
    """A visitor's first click on a code, as `/r/{code}` recorded it."""

    at: datetime
    network: str
    user_agent: str


@dataclass(frozen=True, slots=True)
class NotCounted:
    """A referral that did not count for its referrer, and the reason code why."""

    referral_id: int
    friend_name: str
    status: str  # the referral's status
    reason: str
    at: datetime


class Flags:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def lock_referrer(self, referrer_id: int) -> None:
        """Signups for one code take turns from here on (SQLite: every writer takes turns)."""
        if self._conn.dialect == "postgres":
            await self._conn.execute(
                "SELECT 1 FROM participants WHERE id = ? FOR NO KEY UPDATE", referrer_id
            )

    async def identities(self, *participant_ids: int) -> list[tuple[int, str, str]]:
        """(participant id, channel, address) of every identity of these participants."""
        marks = ", ".join("?" for _ in participant_ids)
        rows = await self._conn.fetchall(
            f"SELECT participant_id, channel, address FROM identities "
            f"WHERE participant_id IN ({marks})",
            *participant_ids,
        )
        return [(int(r[0]), r[1], r[2]) for r in rows]

    async def raise_flag(self, referral_id: int, reason: str, *, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO referral_flags (referral_id, reason, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            referral_id,
            reason,
            to_micros(at),
        )

    async def open_for(self, referral_id: int) -> list[str]:
        rows = await self._conn.fetchall(
            "SELECT reason FROM referral_flags WHERE referral_id = ? AND resolved_at IS NULL "
            "ORDER BY reason",
            referral_id,
        )
        return [r[0] for r in rows]

    async def resolve(self, referral_id: int, resolution: str, *, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE referral_flags SET resolved_at = ?, resolution = ? WHERE referral_id = ? "
            "AND resolved_at IS NULL",
            to_micros(at),
            resolution,
            referral_id,
        )

    async def record_origin(
        self, referral_id: int, *, network: str | None, device: str | None, at: datetime
    ) -> None:
        await self._conn.execute(
            "INSERT INTO referral_origins (referral_id, network, device, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            referral_id,
            network,
            device,
            to_micros(at),
        )

    async def signups_for(self, referrer_id: int, *, since: datetime) -> int:
        """Signups through this referrer's code since then (refusals excluded)."""
        value = await self._conn.fetchval(
            "SELECT COUNT(*) FROM referrals WHERE referrer_id = ? AND created_at > ? "
            "AND status <> 'rejected'",
            referrer_id,
            to_micros(since),
        )
        return int(value)

    async def signups_from(self, *, column: str, value: str, since: datetime) -> int:
        assert column in ("network", "device")  # a column name, never user input
        count = await self._conn.fetchval(
            f"SELECT COUNT(*) FROM referral_origins WHERE {column} = ? AND created_at > ?",
            value,
            to_micros(since),
        )
        return int(count)

    async def clicks_from(self, network: str, *, since: datetime) -> int:
        value = await self._conn.fetchval(
            "SELECT COUNT(*) FROM clicks WHERE network = ? AND created_at > ?",
            network,
            to_micros(since),
        )
        return int(value)

    async def first_click(self, code: str, visitor: str) -> FirstClick | None:
        row = await self._conn.fetchone(
            "SELECT created_at, network, user_agent FROM clicks WHERE code = ? AND visitor = ? "
            "ORDER BY created_at LIMIT 1",
            code,
            visitor,
        )
        return None if row is None else FirstClick(from_micros(row[0]), row[1], row[2])

    async def notes(self, referrer_id: int, *, limit: int = 50) -> list[NotCounted]:
        """Counted referrals that earned the referrer nothing (yet): held, capped, voided."""
        rows = await self._conn.fetchall(
            "SELECT r.id, p.display_name, r.status, f.reason, f.created_at FROM referral_flags f "
            "JOIN referrals r ON r.id = f.referral_id JOIN participants p ON p.id = r.friend_id "
            "WHERE r.referrer_id = ? AND f.resolved_at IS NULL "
            "UNION ALL "
            "SELECT r.id, p.display_name, r.status, w.reason, w.updated_at FROM rewards w "
            "JOIN referrals r ON r.id = w.referral_id JOIN participants p ON p.id = r.friend_id "
            "WHERE w.participant_id = ? AND w.side = 'referrer' AND w.kind = 'referral' "
            "AND w.status = 'voided' ORDER BY 5 DESC LIMIT ?",
            referrer_id,
            referrer_id,
            limit,
        )
        seen: set[int] = set()
        notes = []
        for r in rows:
            if int(r[0]) not in seen:  # one reason a referral is enough to say
                seen.add(int(r[0]))
                notes.append(NotCounted(int(r[0]), r[1], r[2], r[3], from_micros(r[4])))
        return notes
