"""A report on the embedded database reads beside the bot, not in its way: its statements run on
a read-only connection in a worker thread, so the event loop (every message's path) runs on."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from bot.core.store.sqlite import SqliteDatabase


async def test_the_event_loop_runs_while_a_report_reads(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(f"sqlite:///{tmp_path / 'bot.db'}")
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE referrals (id INTEGER PRIMARY KEY)")
        await conn.execute("INSERT INTO referrals (id) VALUES (1), (2), (3)")
    loop_ran = threading.Event()

    def slow_row(row_id: int) -> int:
        # Stands for a long scan: it finishes only once the event loop has run something.
        if not loop_ran.wait(timeout=5):
            raise TimeoutError("the event loop stood still while the report read")
        return row_id

    async with db.snapshot() as view:
        assert db._reader is not None
        db._reader.create_function("slow_row", 1, slow_row)
        reading = asyncio.ensure_future(view.fetchval("SELECT SUM(slow_row(id)) FROM referrals"))
        await asyncio.sleep(0)  # the loop's turn: a message would be handled here
        loop_ran.set()
        assert await reading == 6
        async with db.transaction() as conn:  # and a write goes through meanwhile
            await conn.execute("INSERT INTO referrals (id) VALUES (4)")
    await db.close()
