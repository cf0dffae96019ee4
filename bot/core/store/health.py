"""Whether the database takes writes, as /healthz asks: not SELECT 1, and not an update in place.

A read-only file refuses any write. A full one (a full disk, SQLite's max_page_count) still takes
an update that rewrites a row where it lies, while every new message, which needs fresh pages,
fails. So the probe writes a row bigger than a page (random bytes: nothing compresses it away)
and deletes it in the same transaction, and commits, which appends to the write-ahead log.
"""

from __future__ import annotations

import os

from bot.core.store.store import Store

PROBE_BYTES = 8192  # more than a page (SQLite's default 4096, PostgreSQL's 8192 with its header)


async def check_writes(store: Store) -> None:
    """Raises the database's own error when it refuses the write."""
    async with store.transaction() as tx:
        row = await tx.conn.fetchone(
            "INSERT INTO health_probe (padding) VALUES (?) RETURNING id", os.urandom(PROBE_BYTES)
        )
        assert row is not None
        await tx.conn.execute("DELETE FROM health_probe WHERE id = ?", int(row[0]))
