"""Referrals: who brought whom, through which code, and how far it got.

Constraints decide races: one counted referral per friend, one row per (referrer, friend).
`participants.referral_count` (and pending_count, rejected_count) follow every referral row by
trigger (migration 0090), in the statement that changes it, so the leaderboard is an index read
and a count is a row read; tests check them against COUNT(*).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import from_micros, to_micros
from bot.core.store.database import Connection, Row
from bot.core.store.records import QUALIFIED, BoardEntry, Referral, ReferralCounts
from bot.core.store.webhook_events import WebhookEvents, WebhookTargets

_COLUMNS = (
    "id, referrer_id, friend_id, code, channel, status, reason, created_at, updated_at, "
    "referred_at, qualified_at"
)


# rank_buckets counts participants per count and stripe of ids (id % RANK_STRIPES, migration
# 0140): neighbouring referrers, who climb together in a burst, share no row to wait on.
RANK_STRIPES = 16


def _micros(value: int | None) -> datetime | None:
    return None if value is None else from_micros(value)


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
        updated_at=from_micros(row[8]),
        referred_at=_micros(row[9]),
        qualified_at=_micros(row[10]),
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
    def __init__(self, conn: Connection, events: WebhookEvents | None = None) -> None:
        self._conn = conn
        self._events = events or WebhookEvents(conn, WebhookTargets())

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
        referred_at: datetime | None = None,
    ) -> Referral | None:
        """Record a referral; None when the friend is already referred (or this pair exists).

        `referred_at`: when the friend got the code (their first click), when known."""
        qualified = status in QUALIFIED
        row = await self._conn.fetchone(
            "INSERT INTO referrals (referrer_id, friend_id, code, channel, status, reason, "
            "created_at, updated_at, referred_at, qualified_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING "
            f"RETURNING {_COLUMNS}",
            referrer_id,
            friend_id,
            code,
            channel,
            status,
            reason,
            to_micros(at),
            to_micros(at),
            None if referred_at is None else to_micros(referred_at),
            to_micros(at) if qualified else None,
        )
        if row is None:
            return None
        referral = _referral(row)
        if status == "rejected":
            await self._events.referral("referral.rejected", referral, at=at)
            return referral
        await self._events.referral("referral.created", referral, at=at)
        if qualified:
            await self._events.referral("referral.qualified", referral, at=at)
        return referral

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
        # qualified_at: set when it qualifies, kept when rewarded, cleared when it falls back.
        qualified_at = None
        if status in QUALIFIED:
            qualified_at = before.qualified_at if before.status in QUALIFIED else at
        row = await self._conn.fetchone(
            "UPDATE referrals SET status = ?, reason = ?, updated_at = ?, qualified_at = ? "
            f"WHERE id = ? RETURNING {_COLUMNS}",
            status,
            reason,
            to_micros(at),
            None if qualified_at is None else to_micros(qualified_at),
            referral_id,
        )
        assert row is not None
        after = _referral(row)
        if status == "qualified" and before.status not in QUALIFIED:
            await self._events.referral("referral.qualified", after, at=at)
        elif status == "rejected":
            await self._events.referral("referral.rejected", after, at=at)
        return after

    async def page(
        self,
        *,
        status: str | None,
        referrer_id: int | None,
        since: datetime | None,
        before: int | None,
        limit: int,
    ) -> list[Referral]:
        """Newest first, `id < before`: pages stay put while referrals are added."""
        where: list[str] = ["1 = 1"]
        params: list[object] = []
        for column, value in (("status", status), ("referrer_id", referrer_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            where.append("created_at >= ?")
            params.append(to_micros(since))
        if before is not None:
            where.append("id < ?")
            params.append(before)
        rows = await self._conn.fetchall(
            f"SELECT {_COLUMNS} FROM referrals WHERE {' AND '.join(where)} "
            "ORDER BY id DESC LIMIT ?",
            *params,
            limit,
        )
        return [_referral(row) for row in rows]

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
        """The top of the board with standard competition ranks: equal counts share a rank
        and the next rank skips (1, 2, 2, 4)."""
        return (await self.board_and_rank(limit, 0))[0]

    async def board_and_rank(self, limit: int, count: int) -> tuple[list[BoardEntry], int | None]:
        """`board`, and in the same statement the rank of someone with `count` friends
        counted (None for none): one more than the people with more, from rank_buckets (as
        `rank`). The asker's count is on the row their message read."""
        rows = await self._conn.fetchall(
            "SELECT * FROM (SELECT id, display_name, referral_count FROM participants "
            "WHERE referral_count > 0 ORDER BY referral_count DESC, id LIMIT ?) top "
            "UNION ALL SELECT NULL, NULL, COALESCE(SUM(participants), 0) FROM rank_buckets "
            "WHERE referral_count > ?",
            limit,
            count,
        )
        ahead = next(int(r[2]) for r in rows if r[0] is None)
        top = sorted((r for r in rows if r[0] is not None), key=lambda r: (-int(r[2]), int(r[0])))
        entries: list[BoardEntry] = []
        for i, r in enumerate(top):
            count_here = int(r[2])
            tied = entries and entries[-1].count == count_here
            rank = entries[-1].rank if tied else i + 1
            entries.append(
                BoardEntry(rank=rank, participant_id=int(r[0]), display_name=r[1], count=count_here)
            )
        return entries, (ahead + 1 if count > 0 else None)

    async def rank(self, participant_id: int) -> int | None:
        """Competition rank: one more than the number of people with more referrals, summed
        from rank_buckets (participants per count and stripe of ids, kept by triggers) rather
        than counted one by one: a few hundred rows however many referrers there are."""
        row = await self._conn.fetchone(
            "SELECT p.referral_count, (SELECT COALESCE(SUM(b.participants), 0) "
            "FROM rank_buckets b WHERE b.referral_count > p.referral_count) "
            "FROM participants p WHERE p.id = ?",
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
