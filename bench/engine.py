"""Messages per second through the engine and the store (no HTTP), and `count` latency.

    .venv/bin/python bench/engine.py [--referrers 100000] [--referrals 1000000] [--messages 5000]

Seeds a SQLite file with REFERRERS participants who have a console identity and REFERRALS
referred friends (each friend is a participant too, referred once), then times the engine's
`handle` for "how many friends have I referred?" from random referrers and for "JOIN <code>"
from new friends. Each handled message is one transaction that records the event, reads the
text, runs the flow and writes the reply to the outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build
from bot.core.clock import SystemClock, to_micros
from bot.core.codes import new_code
from bot.core.config import Settings
from bot.core.messages import Address, Inbound, Profile
from bot.core.store import open_store


def seed(path: Path, referrers: int, referrals: int) -> list[str]:
    """Bulk-load with plain sqlite3: the point is the engine's speed, not the seeding's."""
    now = to_micros(datetime.now(UTC))
    db = sqlite3.connect(path)
    codes: set[str] = set()
    while len(codes) < referrers + referrals:
        codes.add(new_code())
    ordered = list(codes)
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO participants (id, code, display_name, lang, created_at, referral_count) "
        "VALUES (?, ?, ?, 'en', ?, 0)",
        ((i + 1, ordered[i], f"user{i}", now) for i in range(referrers + referrals)),
    )
    db.executemany(
        "INSERT INTO identities (channel, address, participant_id, created_at, last_seen_at) "
        "VALUES ('console', ?, ?, ?, ?)",
        ((f"u{i}", i + 1, now, now) for i in range(referrers)),
    )
    rng = random.Random(7)
    rows = []
    for k in range(referrals):
        referrer = rng.randrange(referrers) + 1
        rows.append((referrer, referrers + k + 1, ordered[referrer - 1], now, now))
    db.executemany(
        "INSERT INTO referrals (referrer_id, friend_id, code, channel, status, created_at, "
        "updated_at) VALUES (?, ?, ?, 'console', 'signed_up', ?, ?)",
        rows,
    )
    db.execute(
        "UPDATE participants SET referral_count = (SELECT COUNT(*) FROM referrals r "
        "WHERE r.referrer_id = participants.id AND r.status <> 'rejected') WHERE id <= ?",
        (referrers,),
    )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return ordered[:referrers]


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    store = await open_store(url)  # creates the schema
    await store.close()
    started = time.perf_counter()
    codes = seed(folder / "bench.db", args.referrers, args.referrals)
    print(
        f"seeded {args.referrers:,} referrers and {args.referrals:,} referrals "
        f"in {time.perf_counter() - started:.1f} s"
    )
    bot = await build(Settings(database_url=url), clock=SystemClock())
    rng = random.Random(11)
    clock = bot.clock

    latencies: list[float] = []
    started = time.perf_counter()
    for i in range(args.messages):
        who = f"u{rng.randrange(args.referrers)}"
        inbound = Inbound(
            Address("console", who), "how many friends have I referred?", f"count-{i}", clock.now()
        )
        t0 = time.perf_counter()
        await bot.engine.handle(inbound)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    print(
        f"count: {args.messages / elapsed:,.0f} messages/s; latency p50 "
        f"{pct(latencies, 0.5) * 1e3:.3f} ms, p99 {pct(latencies, 0.99) * 1e3:.3f} ms"
    )

    latencies = []
    started = time.perf_counter()
    for i in range(args.messages):
        inbound = Inbound(
            Address("console", f"newfriend{i}"),
            f"JOIN {rng.choice(codes)}",
            f"join-{i}",
            clock.now(),
            Profile(name=f"friend {i}"),
        )
        t0 = time.perf_counter()
        await bot.engine.handle(inbound)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    print(
        f"join: {args.messages / elapsed:,.0f} messages/s; latency p50 "
        f"{pct(latencies, 0.5) * 1e3:.3f} ms, p99 {pct(latencies, 0.99) * 1e3:.3f} ms"
    )
    await bot.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrers", type=int, default=100_000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=5_000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
