"""Signups per second through the fraud rules, the reward engine and the ledger (no chat, no HTTP).

    .venv/bin/python bench/rewards.py [--referrers 100000] [--signups 10000]
        [--program examples/two_sided_cash.toml] [--hot]
        [--database-url postgresql://... --workers 8]

Seeds REFERRERS participants (each with a console identity) with plain sqlite3, then, for each
signup, in one transaction: creates the friend, attaches their identity and calls `sign_up`,
which checks self-referral across identities, first-code-wins, existing customers and the
attribution window, counts velocity, records the referral and, for a signup-qualifying program,
writes both sides' rewards to the ledger (entries, cap totals, milestones). Referrers are drawn
at random, so most have a handful of friends; `--hot` sends every signup to one referrer
(the cap and velocity paths: one row every signup waits on).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.clock import to_micros
from bot.core.codes import new_code
from bot.core.messages import Address
from bot.core.program import load_program
from bot.core.signups import sign_up
from bot.core.store import Store, open_store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def seed(path: Path, referrers: int) -> None:
    """Bulk-load with plain sqlite3: the point is the engine's speed, not the seeding's."""
    now = to_micros(datetime.now(UTC))
    db = sqlite3.connect(path)
    codes: set[str] = set()
    while len(codes) < referrers:
        codes.add(new_code())
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO participants (id, code, display_name, lang, created_at) "
        "VALUES (?, ?, ?, 'en', ?)",
        ((i + 1, code, f"user{i}", now) for i, code in enumerate(codes)),
    )
    db.executemany(
        "INSERT INTO identities (channel, address, participant_id, created_at, last_seen_at) "
        "VALUES ('console', ?, ?, ?, ?)",
        ((f"u{i}", i + 1, now, now) for i in range(referrers)),
    )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


async def seed_async(store: Store, referrers: int) -> None:
    """The same through the store, for PostgreSQL (slower; run it once per database)."""
    now = datetime.now(UTC)
    for start in range(0, referrers, 1000):
        async with store.transaction() as tx:
            for i in range(start, min(start + 1000, referrers)):
                p = await tx.participants.create(display_name=f"user{i}", lang="en", at=now)
                await tx.participants.attach(Address("console", f"u{i}"), p.id, at=now)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(args: argparse.Namespace) -> None:
    program = load_program(args.program)
    if args.database_url:
        url = args.database_url
        store = await open_store(url)
        started = time.perf_counter()
        await seed_async(store, args.referrers)
    else:
        folder = Path(tempfile.mkdtemp(prefix="bench-rewards-"))
        url = f"sqlite:///{folder / 'bench.db'}"
        await (await open_store(url)).close()  # creates the schema
        started = time.perf_counter()
        seed(folder / "bench.db", args.referrers)
        store = await open_store(url)
    print(f"seeded {args.referrers:,} referrers in {time.perf_counter() - started:.1f} s")
    async with store.transaction() as tx:
        ids = [int(r[0]) for r in await tx.conn.fetchall("SELECT id FROM participants")]
    rng = random.Random(7)
    start = datetime.now(UTC)
    latencies: list[float] = []
    outcome = {"counted": 0, "rewards": 0}

    async def one(i: int) -> None:
        at = start + timedelta(seconds=i)
        referrer_id = ids[0] if args.hot else rng.choice(ids)
        t0 = time.perf_counter()
        async with store.transaction() as tx:
            referrer = await tx.participants.get(referrer_id)
            assert referrer is not None
            friend = await tx.participants.create(display_name=f"friend {i}", lang="en", at=at)
            await tx.participants.attach(Address("console", f"bench-friend-{i}"), friend.id, at=at)
            signup = await sign_up(
                tx,
                program=program,
                referrer=referrer,
                friend=friend,
                code=referrer.code,
                channel="console",
                at=at,
            )
        latencies.append(time.perf_counter() - t0)
        outcome["counted"] += signup.referral is not None
        outcome["rewards"] += len(signup.news.granted) + len(signup.news.milestones)

    async def worker(first: int) -> None:
        for i in range(first, args.signups, args.workers):
            await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(args.workers)))
    elapsed = time.perf_counter() - started
    print(
        f"{Path(args.program).name} on {url.split(':', 1)[0]}: "
        f"{args.signups / elapsed:,.0f} signups/s with {args.workers} worker(s) "
        f"({outcome['counted']:,} counted, {outcome['rewards']:,} rewards); "
        f"latency p50 {pct(latencies, 0.5) * 1e3:.3f} ms, p99 {pct(latencies, 0.99) * 1e3:.3f} ms"
    )
    await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--referrers", type=int, default=100_000)
    parser.add_argument("--signups", type=int, default=10_000)
    parser.add_argument("--program", default=str(EXAMPLES / "two_sided_cash.toml"))
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    parser.add_argument("--hot", action="store_true", help="every signup for one referrer")
    parser.add_argument("--workers", type=int, default=1, help="concurrent signups (PostgreSQL)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
