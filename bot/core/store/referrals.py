"""Referrals: who brought whom, through which code, and how far it got.

Constraints decide races: one counted referral per friend, one row per (referrer, friend).
`participants.referral_count` is kept in the same transaction as every status change so the
leaderboard is an index read; tests check it against COUNT(*).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import from_micros, to_micros
from bot.core.store.database import Connection, Row
from bot.core.store.records import COUNTED, BoardEntry, Referral, ReferralCounts

_COLUMNS = "id, referrer_id, friend_id, code, channel, status, reason, created_at"
# Participant ids per rank_buckets row (migration 0060 keeps the table with the same width).
RANK_BLOCK = 4096


def _referral(row: Row) -> Referral:
    return Referral(
        id=int(row[0]),
        referrer_id=int(row[1]),
        friend_id=int(row[2]),
        code=row[3],
        channel=row[4],
        status=row[5],
        reason=row[6],
        created_at=from_micros(row[7]),
    )


@dataclass(frozen=True, slots=True)
class FriendLine:
    """A referral as its referrer sees it: the friend's name, the status and why."""

    referral_id: int
    friend_name: str
    status: str
    reason: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ExportLine:
    referral_id: int
    code: str
    referrer_name: str
    referrer_company: str | None
    friend_name: str
    channel: str
    status: str
    reason: str | None
    created_at: datetime
    updated_at: datetime
    referrer_id: int
    friend_id: int


class Referrals:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def create(
        self,
        *,
        referrer_id: int,
        friend_id: int,
        code: str,
        channel: str,
        at: datetime,
        status: str = "signed_up",
        reason: str | None = None,
    ) -> Referral | None:
        """Record a referral; None when the friend is already referred (or this pair exists)."""
        row = await self._conn.fetchone(
            "INSERT INTO referrals (referrer_id, friend_id, code, channel, status, reason, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
            f"RETURNING {_COLUMNS}",
            referrer_id,
            friend_id,
            code,
            channel,
            status,
            reason,
            to_micros(at),
            to_micros(at),
        )
        if row is None:
            return None
        if status in COUNTED:
            await self._bump(referrer_id, 1)
        return _referral(row)

    async def get(self, referral_id: int) -> Referral | None:
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM referrals WHERE id = ?", referral_id
        )
        return None if row is None else _referral(row)

    async def of_friend(self, friend_id: int) -> Referral | None:
        """The referral that counts for this friend, if any."""
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM referrals WHERE friend_id = ? AND status <> 'rejected'",
            friend_id,
        )
        return None if row is None else _referral(row)

    async def set_status(
        self, referral_id: int, status: str, *, at: datetime, reason: str | None = None
    ) -> Referral | None:
        before = await self.get(referral_id)
        if before is None or before.status == status:
            return before
        row = await self._conn.fetchone(
            "UPDATE referrals SET status = ?, reason = ?, updated_at = ? WHERE id = ? "
            f"RETURNING {_COLUMNS}",
            status,
            reason,
            to_micros(at),
            referral_id,
        )
        assert row is not None
        delta = (status in COUNTED) - (before.status in COUNTED)
        if delta:
            await self._bump(before.referrer_id, delta)
        return _referral(row)

    async def counts(self, referrer_id: int) -> ReferralCounts:
        rows = await self._conn.fetchall(
            "SELECT status, COUNT(*) FROM referrals WHERE referrer_id = ? GROUP BY status",
            referrer_id,
        )
        return ReferralCounts(by_status={row[0]: int(row[1]) for row in rows})

    async def lines(self, referrer_id: int, *, limit: int = 20) -> list[FriendLine]:
        rows = await self._conn.fetchall(
            "SELECT r.id, p.display_name, r.status, r.reason, r.created_at FROM referrals r "
            "JOIN participants p ON p.id = r.friend_id WHERE r.referrer_id = ? "
            "ORDER BY r.created_at DESC, r.id DESC LIMIT ?",
            referrer_id,
            limit,
        )
        return [FriendLine(int(r[0]), r[1], r[2], r[3], from_micros(r[4])) for r in rows]

    async def board(self, limit: int = 10) -> list[BoardEntry]:
        rows = await self._conn.fetchall(
            "SELECT id, display_name, referral_count FROM participants "
            "WHERE referral_count > 0 ORDER BY referral_count DESC, id LIMIT ?",
            limit,
        )
        return [
            BoardEntry(rank=i + 1, participant_id=int(r[0]), display_name=r[1], count=int(r[2]))
            for i, r in enumerate(rows)
        ]

    async def rank(self, participant_id: int) -> int | None:
        """Board position with the board's tie order (count, then who came first).

        Those ahead are summed from rank_buckets (participants per count and block of ids):
        every higher count, the earlier blocks at the same count, and only within one block
        are participants counted one by one; a few hundred index entries at most, however
        many referrers there are."""
        row = await self._conn.fetchone(
            "SELECT p.referral_count, "
            "(SELECT COALESCE(SUM(b.participants), 0) FROM rank_buckets b "
            " WHERE b.referral_count > p.referral_count) + "
            "(SELECT COALESCE(SUM(b.participants), 0) FROM rank_buckets b "
            " WHERE b.referral_count = p.referral_count AND b.bucket < p.id / ?) + "
            "(SELECT COUNT(*) FROM participants q WHERE q.referral_count = p.referral_count "
            " AND q.id >= (p.id / ?) * ? AND q.id < p.id) "
            "FROM participants p WHERE p.id = ?",
            RANK_BLOCK,
            RANK_BLOCK,
            RANK_BLOCK,
            participant_id,
        )
        if row is None or int(row[0]) == 0:
            return None
        return int(row[1]) + 1

    async def export_page(self, *, after_id: int, limit: int) -> list[ExportLine]:
        """Referrals in id order for the CRM export, a page at a time."""
        rows = await self._conn.fetchall(
            "SELECT r.id, r.code, rp.display_name, rp.company, fp.display_name, r.channel, "
            "r.status, r.reason, r.created_at, r.updated_at, r.referrer_id, r.friend_id "
            "FROM referrals r JOIN participants rp ON rp.id = r.referrer_id "
            "JOIN participants fp ON fp.id = r.friend_id WHERE r.id > ? ORDER BY r.id LIMIT ?",
            after_id,
            limit,
        )
        return [
            ExportLine(
                referral_id=int(r[0]),
                code=r[1],
                referrer_name=r[2],
                referrer_company=r[3],
                friend_name=r[4],
                channel=r[5],
                status=r[6],
                reason=r[7],
                created_at=from_micros(r[8]),
                updated_at=from_micros(r[9]),
                referrer_id=int(r[10]),
                friend_id=int(r[11]),
            )
            for r in rows
        ]

    async def _bump(self, referrer_id: int, delta: int) -> None:
        await self._conn.execute(
            "UPDATE participants SET referral_count = referral_count + ? WHERE id = ?",
            delta,
            referrer_id,
        )
