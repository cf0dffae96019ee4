"""How long the business waits for its numbers: the funnel report and a page of referrals.

    .venv/bin/python bench/reports.py [--referrers 100000] [--referrals 1000000] [--runs 7]

Seeds, with plain sqlite3 (the point is the reports' speed, not the seeding's), REFERRERS
participants who got their link over 180 days on a random channel, one friend per referral,
REFERRALS referrals (rejected ~10% with a reason, qualified ~40%, the rest signed up), as many
clicks as referrals, and two rewards per qualified referral in every state. Then times, on
the store the API uses: the funnel of the last 30 days and of all time (`funnel`), the whole
report (`report`: funnels per channel, time to convert, top and new referrers), and a page of
50 referrals (first page, a page deep in the cursor chain, by status, by referrer). Medians.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.clock import to_micros
from bot.core.store import Store, open_store
from bot.core.store.records import REASONS
from bot.services.reports import CHANNELS, Period, funnel, report

NOW = datetime(2026, 11, 30, tzinfo=UTC)
SPAN_US = 180 * 86_400 * 1_000_000
START_US = to_micros(NOW) - SPAN_US


def _referrals(referrers: int, referrals: int, rng: random.Random) -> Iterator[tuple[object, ...]]:
    for i in range(referrals):
        at = START_US + rng.randrange(SPAN_US)
        roll = rng.random()
        status, reason = ("signed_up", None)
        if roll < 0.1:
            status, reason = "rejected", rng.choice(REASONS)
        elif roll < 0.35:
            status = "qualified"
        elif roll < 0.5:
            status = "rewarded"
        qualified = (
            at + rng.randrange(1, 30 * 86_400 * 1_000_000)
            if status in ("qualified", "rewarded")
            else None
        )
        referred = at - rng.randrange(1, 7 * 86_400 * 1_000_000) if rng.random() < 0.5 else None
        yield (
            i + 1,
            rng.randrange(1, referrers + 1),
            referrers + i + 1,
            "CODE",
            rng.choice(CHANNELS),
            status,
            reason,
            at,
            at,
            referred,
            qualified,
        )


def seed(path: Path, referrers: int, referrals: int) -> None:
    rng = random.Random(7)
    db = sqlite3.connect(path)
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO participants (id, code, display_name, lang, created_at, link_sent_at, "
        "link_channel) VALUES (?, ?, ?, 'en', ?, ?, ?)",
        (
            (
                i,
                f"R{i:09d}",
                f"referrer {i}",
                START_US,
                START_US + rng.randrange(SPAN_US),
                rng.choice(CHANNELS[:5]),
            )
            for i in range(1, referrers + 1)
        ),
    )
    db.executemany(
        "INSERT INTO participants (id, code, display_name, lang, created_at) "
        "VALUES (?, ?, ?, 'en', ?)",
        ((referrers + i, f"F{i:09d}", f"friend {i}", START_US) for i in range(1, referrals + 1)),
    )
    db.executemany(
        "INSERT INTO referrals (id, referrer_id, friend_id, code, channel, status, reason, "
        "created_at, updated_at, referred_at, qualified_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        _referrals(referrers, referrals, rng),
    )
    db.executemany(
        "INSERT INTO clicks (code, referrer_id, visitor, day, network, created_at, channel) "
        "VALUES ('CODE', ?, ?, ?, 'net', ?, ?)",
        (
            (
                rng.randrange(1, referrers + 1),
                f"{i:032x}",
                str(i),
                START_US + rng.randrange(SPAN_US),
                rng.choice(CHANNELS[:5]),
            )
            for i in range(referrals)
        ),
    )
    statuses = ("pending", "approved", "issued", "voided")
    qualified = db.execute(
        "SELECT id, referrer_id, friend_id, created_at, channel FROM referrals "
        "WHERE status IN ('qualified', 'rewarded')"
    ).fetchall()
    db.executemany(
        "INSERT INTO rewards (referral_id, participant_id, side, kind, rule_id, rule_version, "
        "unit, measure, amount, status, reason, hold_until, created_at, updated_at, channel) "
        "VALUES (?, ?, ?, 'referral', ?, 0, 'money', 'USD', 200000, ?, ?, ?, ?, ?, ?)",
        (
            (
                rid,
                who,
                side,
                f"{side}-cash",
                status,
                "refunded" if status == "voided" else None,
                at,
                at,
                at,
                channel,
            )
            for rid, referrer, friend, at, channel in qualified
            for side, who in (("referrer", referrer), ("friend", friend))
            for status in (rng.choice(statuses),)
        ),
    )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


async def timed(work: Callable[[], Awaitable[object]], runs: int) -> float:
    """Median milliseconds of `runs` runs, after one warm-up."""
    await work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def measure(store: Store, runs: int) -> list[tuple[str, float]]:
    month = Period(NOW - timedelta(days=30), NOW)

    async def in_tx(call: Callable[..., Awaitable[object]], *args: object, **kw: object) -> None:
        async with store.snapshot() as tx:  # as the dashboard, the API and the CLI read reports
            await call(tx, *args, **kw)

    async with store.transaction() as tx:
        deep = await tx.referrals.page(
            status=None, referrer_id=None, since=None, before=None, limit=5000
        )
    cursor = deep[-1].id
    page = dict(status=None, referrer_id=None, since=None, before=None, limit=50)

    async def referrals(**changes: object) -> None:
        async with store.transaction() as tx:
            found = await tx.referrals.page(**{**page, **changes})  # type: ignore[arg-type]
            await tx.rewards.of_referrals([r.id for r in found])

    return [
        ("funnel, last 30 days", await timed(lambda: in_tx(funnel, month), runs)),
        ("funnel, all time", await timed(lambda: in_tx(funnel, Period()), runs)),
        (
            "funnel, one channel, 30 days",
            await timed(lambda: in_tx(funnel, Period(month.start, month.end, "sms")), runs),
        ),
        ("whole report, last 30 days", await timed(lambda: in_tx(report, month), runs)),
        ("referrals page (50), first", await timed(referrals, runs)),
        (
            "referrals page (50), 100 pages deep",
            await timed(lambda: referrals(before=cursor), runs),
        ),
        (
            "referrals page (50), status=rejected",
            await timed(lambda: referrals(status="rejected"), runs),
        ),
        ("referrals page (50), one referrer", await timed(lambda: referrals(referrer_id=42), runs)),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrers", type=int, default=100_000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        await (await open_store(f"sqlite:///{path}")).close()  # the schema, migrated
        started = time.perf_counter()
        seed(path, args.referrers, args.referrals)
        print(
            f"seeded {args.referrers:,} referrers, {args.referrals:,} referrals in "
            f"{time.perf_counter() - started:.0f} s"
        )
        store = await open_store(f"sqlite:///{path}")
        try:
            for name, ms in await measure(store, args.runs):
                print(f"{name:40} {ms:9.1f} ms")
        finally:
            await store.close()


if __name__ == "__main__":
    asyncio.run(main())
