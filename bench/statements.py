"""SQL statements and commits per inbound message, per intent, on SQLite and PostgreSQL.

    .venv/bin/python bench/statements.py [--database-url postgresql://...]

Runs the engine as `serve` wires it over a database that counts what the store asks of it
(tests/statements.py): a referrer asks for their link, friends join with the code (and one
presses Start again), the referrer asks their count and the leaderboard. Statements are the
round trips the store makes; BEGIN and COMMIT are not among them (commits are counted apart).
Not a timing: the same figures on any machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
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
            inbound = Inbound(Address("console", who), text.format(code=code), f"e{n}",
                              clock.now(), Profile(name=who))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL too (a fresh schema)")
    args = parser.parse_args()
    columns = {"SQLite": None, **({"PostgreSQL": args.database_url} if args.database_url else {})}
    results = {}
    for name, server in columns.items():
        with fresh_database(server) as url:
            results[name] = asyncio.run(measure(url))
    names = list(results)
    print("| message | " + " | ".join(f"{n} statements | {n} commits" for n in names) + " |")
    print("|---|" + "---:|---:|" * len(names))
    for i, (label, _, _) in enumerate(SCRIPT):
        cells = " | ".join(f"{results[n][i][1]} | {results[n][i][2]}" for n in names)
        print(f"| {label} | {cells} |")


if __name__ == "__main__":
    main()
