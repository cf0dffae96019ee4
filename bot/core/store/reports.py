"""The business's reports, as SQL: counts grouped by channel, read over a period.

Every number comes from the rows themselves (no counter that can drift). A period is
`[start, end)` on the column that dates each fact: a link by when it was first handed out, a
click by when it happened, a referral (and its outcome) by when the friend signed up, a reward
by when it was promised. `bot/services/reports.py` turns these rows into the funnel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from bot.core.clock import from_micros, to_micros
from bot.core.reward_rules import from_units
from bot.core.store.admin_views import nameless_phone
from bot.core.store.database import Connection

Step = Literal["signup", "qualify"]
DAY_US = 86_400 * 1_000_000
WEEK_US = 7 * DAY_US
MONDAY_US = 4 * 86_400 * 1_000_000  # 1970-01-01 was a Thursday; weeks start on Monday the 5th


@dataclass(frozen=True, slots=True)
class Window:
    """`[start, end)`; None leaves that side open."""

    start: datetime | None = None
    end: datetime | None = None

    def where(self, column: str) -> tuple[str, list[object]]:
        parts: list[str] = [f"{column} IS NOT NULL"]
        params: list[object] = []
        if self.start is not None:
            parts.append(f"{column} >= ?")
            params.append(to_micros(self.start))
        if self.end is not None:
            parts.append(f"{column} < ?")
            params.append(to_micros(self.end))
        return " AND ".join(parts), params


@dataclass(frozen=True, slots=True)
class ReferralGroup:
    channel: str
    status: str
    reason: str | None
    count: int


@dataclass(frozen=True, slots=True)
class RewardGroup:
    channel: str
    status: str
    unit: str
    measure: str | None
    rule_id: str
    rule_version: int
    count: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ReferrerLine:
    participant_id: int
    display_name: str
    company: str | None
    code: str
    signups: int
    qualified: int
    phone: str | None = None  # when they have no name


def _channel(column: str, channel: str | None) -> tuple[str, list[object]]:
    return ("", []) if channel is None else (f" AND {column} = ?", [channel])


class Reports:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def links(self, window: Window) -> dict[str | None, int]:
        """Participants first handed their link in the period, by the channel it went out on."""
        where, params = window.where("link_sent_at")
        rows = await self._conn.fetchall(
            f"SELECT link_channel, COUNT(*) FROM participants WHERE {where} GROUP BY link_channel",
            *params,
        )
        return {row[0]: int(row[1]) for row in rows}

    async def visitors(self, window: Window) -> dict[str | None, int]:
        """Unique visitors who clicked a link, by the channel their referrer got it on."""
        where, params = window.where("created_at")
        rows = await self._conn.fetchall(
            f"SELECT channel, COUNT(DISTINCT visitor) FROM clicks WHERE {where} GROUP BY channel",
            *params,
        )
        return {row[0]: int(row[1]) for row in rows}

    async def all_visitors(self, window: Window) -> int:
        """Unique visitors over every channel (one visitor may click several links)."""
        where, params = window.where("created_at")
        return int(
            await self._conn.fetchval(
                f"SELECT COUNT(DISTINCT visitor) FROM clicks WHERE {where}", *params
            )
        )

    async def referrals(self, window: Window) -> list[ReferralGroup]:
        """Signups of the period by the channel the friend came through, status and reason."""
        where, params = window.where("created_at")
        rows = await self._conn.fetchall(
            f"SELECT channel, status, reason, COUNT(*) FROM referrals WHERE {where} "
            "GROUP BY channel, status, reason",
            *params,
        )
        return [ReferralGroup(r[0], r[1], r[2], int(r[3])) for r in rows]

    async def rewards(self, window: Window) -> list[RewardGroup]:
        """Rewards promised in the period, by their referral's channel, state, unit and rule."""
        where, params = window.where("created_at")
        rows = await self._conn.fetchall(
            "SELECT channel, status, unit, measure, rule_id, rule_version, COUNT(*), SUM(amount) "
            f"FROM rewards WHERE {where} "
            "GROUP BY channel, status, unit, measure, rule_id, rule_version",
            *params,
        )
        return [
            RewardGroup(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6]), from_units(int(r[7])))
            for r in rows
        ]

    def _durations(
        self, step: Step, window: Window, channel: str | None
    ) -> tuple[str, list[object]]:
        """(SQL of the durations in microseconds, params): signups counted in the period."""
        where, params = window.where("r.created_at")
        extra, more = _channel("r.channel", channel)
        if step == "signup":  # from the friend's first click, else from the link handed out
            start = "COALESCE(r.referred_at, p.link_sent_at)"
            sql = (
                f"SELECT r.created_at - {start} AS d FROM referrals r "
                f"JOIN participants p ON p.id = r.referrer_id WHERE {where}{extra} "
                f"AND r.status <> 'rejected' AND {start} <= r.created_at"
            )
        else:
            sql = (
                f"SELECT r.qualified_at - r.created_at AS d FROM referrals r WHERE {where}{extra} "
                "AND r.qualified_at IS NOT NULL"
            )
        return sql, [*params, *more]

    async def duration_count(self, step: Step, window: Window, channel: str | None) -> int:
        sql, params = self._durations(step, window, channel)
        return int(await self._conn.fetchval(f"SELECT COUNT(*) FROM ({sql}) t", *params))

    async def duration_at(
        self, step: Step, window: Window, channel: str | None, offset: int
    ) -> int | None:
        """The duration (µs) at this 0-based rank, shortest first."""
        sql, params = self._durations(step, window, channel)
        value = await self._conn.fetchval(
            f"SELECT d FROM ({sql}) t ORDER BY d LIMIT 1 OFFSET ?", *params, offset
        )
        return None if value is None else int(value)

    async def top_referrers(
        self, window: Window, channel: str | None, *, limit: int
    ) -> list[ReferrerLine]:
        """Who brought the most friends who qualified (then counted signups) in the period."""
        where, params = window.where("r.created_at")
        extra, more = _channel("r.channel", channel)
        rows = await self._conn.fetchall(
            "SELECT t.referrer_id, p.display_name, p.company, p.code, t.signups, t.qualified, "
            f"{nameless_phone('p')} "
            "FROM (SELECT r.referrer_id, COUNT(*) AS signups, "
            "SUM(CASE WHEN r.status IN ('qualified', 'rewarded') THEN 1 ELSE 0 END) AS qualified "
            f"FROM referrals r WHERE {where}{extra} AND r.status <> 'rejected' "
            "GROUP BY r.referrer_id) t JOIN participants p ON p.id = t.referrer_id "
            "ORDER BY t.qualified DESC, t.signups DESC, t.referrer_id LIMIT ?",
            *params,
            *more,
            limit,
        )
        return [ReferrerLine(int(r[0]), r[1], r[2], r[3], int(r[4]), int(r[5]), r[6]) for r in rows]

    async def new_referrers(self, window: Window, channel: str | None) -> list[tuple[int, int]]:
        """(week number since 1970-01-05, referrers whose first counted signup fell in it)."""
        where, params = window.where("t.first_at")
        extra, more = _channel("channel", channel)
        rows = await self._conn.fetchall(
            f"SELECT (t.first_at - {MONDAY_US}) / {WEEK_US} AS week, COUNT(*) FROM "
            "(SELECT referrer_id, MIN(created_at) AS first_at FROM referrals "
            f"WHERE status <> 'rejected'{extra} GROUP BY referrer_id) t "
            f"WHERE {where} GROUP BY week ORDER BY week",
            *more,
            *params,
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def per_day(self, window: Window, channel: str | None) -> list[tuple[int, int, int]]:
        """(UTC day number since 1970-01-01, signups, qualified) by the day the friend signed
        up; days with any only. Grouped in SQL: a month is 30 rows, not every referral."""
        where, params = window.where("created_at")
        extra, more = _channel("channel", channel)
        rows = await self._conn.fetchall(
            f"SELECT created_at / {DAY_US} AS day, COUNT(*), "
            "SUM(CASE WHEN status IN ('qualified', 'rewarded') THEN 1 ELSE 0 END) "
            f"FROM referrals WHERE {where}{extra} GROUP BY day ORDER BY day",
            *params,
            *more,
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def unreferred_signups(self, window: Window) -> int:
        """Signups the business reported that came through no referral."""
        where, params = window.where("occurred_at")
        return int(
            await self._conn.fetchval(
                f"SELECT COUNT(*) FROM conversions WHERE type = 'signup' AND "
                f"outcome = 'not_referred' AND {where}",
                *params,
            )
        )


@dataclass(frozen=True, slots=True)
class Totals:
    """The whole program at one moment, for /metrics: every label value comes from a CHECK
    constraint or a fixed set in the code (statuses, reasons, units, kinds, channels)."""

    clicks: int
    referrals: list[tuple[str, str | None, int]]  # status, reason, count
    rewards: list[tuple[str, str, int]]  # status, unit, count
    outbox: list[tuple[str, str, str, int]]  # channel, status, kind, count
    webhooks: list[tuple[str, bool, int]]  # status, tried before, count
    oldest_due: datetime | None  # the longest-waiting row that is due and not sent


async def totals(conn: Connection, *, now: datetime) -> Totals:
    rows = await conn.fetchall(
        "SELECT status, reason, COUNT(*) FROM referrals GROUP BY status, reason"
    )
    rewards = await conn.fetchall(
        "SELECT status, unit, COUNT(*) FROM rewards GROUP BY status, unit"
    )
    outbox = await conn.fetchall(
        "SELECT channel, status, kind, COUNT(*) FROM outbox GROUP BY channel, status, kind"
    )
    webhooks = await conn.fetchall(
        "SELECT status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END, COUNT(*) FROM outbox "
        "WHERE channel = 'webhook' GROUP BY status, CASE WHEN attempts > 0 THEN 1 ELSE 0 END"
    )
    oldest = await conn.fetchval(
        "SELECT MIN(due_at) FROM outbox WHERE status = 'scheduled' AND due_at <= ?",
        to_micros(now),
    )
    return Totals(
        clicks=int(await conn.fetchval("SELECT COUNT(*) FROM clicks")),
        referrals=[(r[0], r[1], int(r[2])) for r in rows],
        rewards=[(r[0], r[1], int(r[2])) for r in rewards],
        outbox=[(r[0], r[1], r[2], int(r[3])) for r in outbox],
        webhooks=[(r[0], bool(r[1]), int(r[2])) for r in webhooks],
        oldest_due=None if oldest is None else from_micros(int(oldest)),
    )
