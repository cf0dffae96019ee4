"""Fraud signals and flags: what the rules count, and the flags that send a referral to review.

A flag holds a referral's rewards for a reviewer; it never rejects. Each flag names its
reason code, and the review that resolved it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import from_micros, to_micros
from bot.core.store.database import Connection
from bot.core.store.participants import _IDENTITY, identity_row
from bot.core.store.records import Identity


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


@dataclass(frozen=True, slots=True)
class Facts:
    """What a signup's rules decide on, read together (`Flags.signup_facts`)."""

    identities: Mapping[int, tuple[Identity, ...]]  # per side, the identity used last first
    friend_referred: bool
    recent_signups: int


class Flags:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def signup_facts(self, referrer_id: int, friend_id: int, *, since: datetime) -> Facts:
        """What the signup rules ask of the store, in one statement: both sides' identities
        (the same person?), whether the friend is referred already (first code wins), and the
        signups through the referrer's code since `since` (too many?)."""
        rows = await self._conn.fetchall(
            f"SELECT 'identity', {_IDENTITY}, i.last_seen_at, i.created_at FROM identities i "
            "WHERE i.participant_id IN (?, ?) "
            "UNION ALL SELECT 'referred', NULL, NULL, COUNT(*), NULL, 0, 0, 0, 0 FROM referrals "
            "WHERE friend_id = ? AND status <> 'rejected' "
            "UNION ALL SELECT 'recent', NULL, NULL, COUNT(*), NULL, 0, 0, 0, 0 FROM referrals "
            "WHERE referrer_id = ? AND created_at > ? AND status <> 'rejected'",
            referrer_id,
            friend_id,
            friend_id,
            referrer_id,
            to_micros(since),
        )
        totals = {row[0]: int(row[3]) for row in rows if row[0] != "identity"}
        found = sorted(
            (row for row in rows if row[0] == "identity"), key=lambda row: (row[-2], row[-1])
        )
        identities: dict[int, list[Identity]] = {referrer_id: [], friend_id: []}
        for row in reversed(found):  # the identity used last first, as identities_of orders
            identity = identity_row(row, 1)
            identities[identity.participant_id].append(identity)
        return Facts(
            {owner: tuple(found) for owner, found in identities.items()},
            friend_referred=totals["referred"] > 0,
            recent_signups=totals["recent"],
        )

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
