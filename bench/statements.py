"""SQL statements and commits per inbound message, per intent, on SQLite and PostgreSQL.

    .venv/bin/python bench/statements.py [--database-url postgresql://...]

Runs the engine as `serve` wires it over a database that counts what the store asks of it
(tests/statements.py): a referrer asks for their link, friends join with the code (and one
presses Start again), the referrer asks their count and the leaderboard. Statements are the
round trips the store makes; BEGIN and COMMIT are not among them (commits are counted apart).
The statement counts are not a timing: the same figures on any machine. `--rounds N` adds the
CPU time this process spends per message (median of N rounds of the script, each with new
people, on a database of its own, without the counting wrapper); on PostgreSQL the server's
own CPU is not in it. Noisy under load: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.*, bench.*

from bench.serving import fresh_database
from bot.app import build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address, Inbound, Profile
from bot.core.store import Store
from bot.core.store.database import open_database
from bot.core.store.migrate import upgrade
from tests.fakes import CollectingChannel
from tests.statements import CountingDatabase

SCRIPT = (
    ("link (new person)", "alice", "my link"),
    ("link (again)", "alice", "LINK"),
    ("join", "bob", "JOIN {code}"),
    ("join", "carol", "JOIN {code}"),
    ("join (again)", "carol", "JOIN {code}"),
    ("count", "alice", "how many friends have I referred?"),
    ("leaderboard", "alice", "who's on top?"),
)


async def measure(url: str) -> list[tuple[str, int, int]]:
    db = await open_database(url)
    await upgrade(db)
    counting = CountingDatabase(db)
    store = Store(counting)
    clock = FakeClock(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    settings = Settings(database_url=url, public_base_url="https://ref.example")
    bot = await build(settings, channels=[CollectingChannel("console")], clock=clock, store=store)
    rows = []
    code = ""
    try:
        for n, (label, who, text) in enumerate(SCRIPT):
            counting.tally.reset()
            inbound = Inbound(
                Address("console", who),
                text.format(code=code),
                f"e{n}",
                clock.now(),
                Profile(name=who),
            )
            await bot.engine.handle(inbound)
            rows.append((label, counting.tally.statements, counting.tally.commits))
            if not code:
                async with store.transaction() as tx:
                    found = await tx.participants.by_address(Address("console", "alice"))
                assert found is not None
                code = found[0].code
    finally:
        await bot.close()
    return rows


async def cpu(url: str, rounds: int) -> dict[str, float]:
    """Median CPU microseconds per message, per label of SCRIPT."""
    db = await open_database(url)
    await upgrade(db)
    store = Store(db)
    clock = FakeClock(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    settings = Settings(database_url=url, public_base_url="https://ref.example")
    bot = await build(settings, channels=[CollectingChannel("console")], clock=clock, store=store)
    spent: dict[str, list[float]] = defaultdict(list)
    try:
        for r in range(rounds):
            code = ""
            for n, (label, who, text) in enumerate(SCRIPT):
                clock.advance(timedelta(seconds=1))
                inbound = Inbound(
                    Address("console", f"{who}{r}"),
                    text.format(code=code),
                    f"c{r}.{n}",
                    clock.now(),
                    Profile(name=who),
                )
                started = time.process_time()
                await bot.engine.handle(inbound)
                spent[label].append(time.process_time() - started)
                if not code:
                    async with store.transaction() as tx:
                        found = await tx.participants.by_address(Address("console", f"alice{r}"))
                    assert found is not None
                    code = found[0].code
    finally:
        await bot.close()
    return {label: statistics.median(times) * 1e6 for label, times in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL too (a fresh schema)")
    parser.add_argument("--rounds", type=int, default=0, help="also CPU per message, N rounds")
    args = parser.parse_args()
    columns = {"SQLite": None, **({"PostgreSQL": args.database_url} if args.database_url else {})}
    results = {}
    spent: dict[str, dict[str, float]] = {}
    for name, server in columns.items():
        with fresh_database(server) as url:
            results[name] = asyncio.run(measure(url))
        if args.rounds:
            with fresh_database(server) as url:
                spent[name] = asyncio.run(cpu(url, args.rounds))
    names = list(results)
    heads = [f"{n} statements | {n} commits" + (f" | {n} CPU µs" if spent else "") for n in names]
    print("| message | " + " | ".join(heads) + " |")
    print("|---|" + ("---:|---:|---:|" if spent else "---:|---:|") * len(names))
    for i, (label, _, _) in enumerate(SCRIPT):
        cells = " | ".join(
            f"{results[n][i][1]} | {results[n][i][2]}"
            + (f" | {spent[n][label]:.0f}" if spent else "")
            for n in names
        )
        print(f"| {label} | {cells} |")


if __name__ == "__main__":
    main()
