"""The SQLite write-ahead log stays bounded: a passive checkpoint alone never catches up with a
busy writer, so past a size the background checkpoint holds the writers back for one more pass
and the log starts over at the beginning of its file."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot.core.store import sqlite
from bot.core.store.sqlite import SqliteDatabase


def wal_size(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return os.stat(wal).st_size if wal.exists() else 0


def frames_logged(path: Path) -> int:
    """The frames the log holds now (what a passive checkpoint reports; it copies them too)."""
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])
    finally:
        conn.close()


async def test_a_log_past_its_limit_starts_over_and_no_commit_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite, "WAL_RESTART_AT", 64 * 1024)
    path = tmp_path / "wal.db"
    db = await SqliteDatabase.open(f"sqlite:///{path}")
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    for i in range(sqlite.CHECKPOINT_EVERY - 1):  # the last of them starts a checkpoint
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES (?)", "x" * 2000 + str(i))
    grown = wal_size(path)
    checkpoint = db._checkpointing
    assert checkpoint is not None
    await checkpoint
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO notes (body) VALUES ('after')")
        kept = await conn.fetchval("SELECT COUNT(*) FROM notes")
    after = wal_size(path)
    logged = frames_logged(path)
    await db.close()
    assert grown > 64 * 1024
    assert after == grown  # the file is written again from its beginning, not extended
    assert logged <= 4  # the one small commit since the checkpoint
    assert kept == sqlite.CHECKPOINT_EVERY


async def test_a_log_held_by_a_report_past_the_force_size_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite, "WAL_RESTART_AT", 64 * 1024)
    monkeypatch.setattr(sqlite, "WAL_FORCE_AT", 64 * 1024)
    path = tmp_path / "held.db"
    db = await SqliteDatabase.open(f"sqlite:///{path}")
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    async with db.snapshot() as report:  # a report reads while the writers go on
        assert await report.fetchval("SELECT COUNT(*) FROM notes") == 0
        for i in range(sqlite.CHECKPOINT_EVERY - 1):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO notes (body) VALUES (?)", "x" * 2000 + str(i))
        checkpoint = db._checkpointing
        assert checkpoint is not None
        assert await report.fetchval("SELECT COUNT(*) FROM notes") == 0  # its snapshot holds
    await checkpoint  # RESTART waited for the report to end
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO notes (body) VALUES ('after')")
    logged = frames_logged(path)
    await db.close()
    assert logged <= 4


async def test_a_small_wal_is_left_to_passive_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "small.db"
    db = await SqliteDatabase.open(f"sqlite:///{path}")
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    for i in range(sqlite.CHECKPOINT_EVERY - 1):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES (?)", str(i))
    grown = wal_size(path)
    checkpoint = db._checkpointing
    assert checkpoint is not None
    await checkpoint
    kept_size = wal_size(path)
    await db.close()
    assert 0 < grown <= kept_size  # copied back, not truncated: writers never waited for it


async def test_the_wal_left_after_a_reset_is_capped_by_journal_size_limit(
    tmp_path: Path,
) -> None:
    db = await SqliteDatabase.open(f"sqlite:///{tmp_path / 'cap.db'}")
    async with db.transaction() as conn:
        limit = await conn.fetchval("PRAGMA journal_size_limit")
    await db.close()
    assert limit == sqlite.JOURNAL_SIZE_LIMIT == 64 * 2**20
