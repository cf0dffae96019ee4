"""The leaderboard's own rank at scale: 100,000 referrers, 1,000,000 referrals (SQLite).

    .venv/bin/python bench/leaderboard.py [--referrers 100000] [--referrals 1000000]
        [--asks 2000] [--repeat 3] [--db seeded.db]

Seeds as bench/engine.py does (random referrers, so counts spread like a Poisson), then times
`Referrals.rank` (where one referrer stands; equal counts share a rank) for random
referrers, and the whole "who's on top?" message through the engine. Each rank is checked
against a rank computed in Python from the same rows, so a fast wrong answer cannot pass.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for bench.*

from bench.engine import seed
from bench.serving import pct
from bot.app import build
from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.core.messages import Address, Inbound
from bot.core.store import open_store


def expected_ranks(path: Path) -> dict[int, int]:
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT referrer_id, COUNT(*) FROM referrals WHERE status <> 'rejected' "
        "GROUP BY referrer_id"
    ).fetchall()
    db.close()
    # Competition ranks: one more than the number of referrers with more friends.
    more: dict[int, int] = {}
    seen = 0
    for count in sorted({n for _, n in rows}, reverse=True):
        more[count] = seen
        seen += sum(1 for _, n in rows if n == count)
    return {pid: more[n] + 1 for pid, n in rows}


async def run(args: argparse.Namespace) -> None:
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="bench-board-")) / "b.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        await (await open_store(url)).close()  # the schema
        started = time.perf_counter()
        seed(path, args.referrers, args.referrals)
        print(f"seeded {args.referrers:,} referrers, {args.referrals:,} referrals in "
              f"{time.perf_counter() - started:.1f} s")
    store = await open_store(url)  # migrates a file seeded by an older schema
    truth = expected_ranks(path)
    rng = random.Random(5)
    rank_p50, rank_p99, cpu_p99, msg_p50, msg_p99 = [], [], [], [], []
    for _ in range(args.repeat):
        latencies, cpu = [], []
        async with store.transaction() as tx:
            for _ in range(args.asks):
                who = rng.randrange(args.referrers) + 1
                t0, c0 = time.perf_counter(), time.thread_time()
                got = await tx.referrals.rank(who)
                latencies.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)
                if got != truth.get(who):
                    raise SystemExit(f"rank of {who}: {got}, expected {truth.get(who)}")
        rank_p50.append(pct(latencies, 0.5) * 1e3)
        rank_p99.append(pct(latencies, 0.99) * 1e3)
        cpu_p99.append(pct(cpu, 0.99) * 1e3)
    await store.close()
    bot = await build(Settings(database_url=url), clock=SystemClock())
    for r in range(args.repeat):
        latencies = []
        for i in range(args.asks // 4):
            inbound = Inbound(Address("console", f"u{rng.randrange(args.referrers)}"),
                              "who's on top?", f"top-{r}-{i}", bot.clock.now())
            t0 = time.perf_counter()
            await bot.engine.handle(inbound)
            latencies.append(time.perf_counter() - t0)
        msg_p50.append(pct(latencies, 0.5) * 1e3)
        msg_p99.append(pct(latencies, 0.99) * 1e3)
    await bot.close()
    med = statistics.median
    print(f"own rank ({args.asks} asks x {args.repeat}, all checked): p50 {med(rank_p50):.3f} ms, "
          f"p99 {med(rank_p99):.3f} ms (runs' p99: {', '.join(f'{x:.3f}' for x in rank_p99)}); "
          f"CPU time p99 {med(cpu_p99):.3f} ms (what preemption on a shared machine leaves out)")
    print(f"'who's on top?' message, whole transaction: p50 {med(msg_p50):.3f} ms, "
          f"p99 {med(msg_p99):.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrers", type=int, default=100_000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--asks", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="a file seeded by an earlier run (seeding takes minutes)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
