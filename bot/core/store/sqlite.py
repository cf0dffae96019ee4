"""SQLite, the embedded default: one file in WAL mode, statements run on the event loop.

Why not aiosqlite for every statement: it runs each one in a worker thread, and the hop there
and back measured ~200 µs on this kind of machine against ~2 µs for the statement itself; a
message is about seven statements, so the hops alone capped the engine near 700 messages/s.
Statements inside a transaction never wait for a lock in WAL mode once BEGIN IMMEDIATE holds the
write lock, so they run directly. The one call that can wait, BEGIN IMMEDIATE while another
process writes, is tried without waiting first and otherwise waits in a worker thread.
Reports are the exception (`snapshot`): a scan of a million rows takes a second, so they read on
a read-only connection of their own, each statement in a worker thread, while messages go on.
(`sqlite+aiosqlite:///` selects the aiosqlite driver, sqlite_aio.py, which passes the same
contract tests.)
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.core.store.database import IntegrityError, Row

BUSY_WAIT_MS = 10_000
CHECKPOINT_EVERY = 200  # commits between background checkpoints (SQLite's own: ~1000 pages)
# A passive checkpoint never catches up with a busy writer, so the WAL would grow without end
# (1 GB seen under load). Past this size the next checkpoint waits for our own transaction in
# flight to end, holds the others back and truncates the file; bench/telegram_burst.py reports
# the largest WAL it sees. journal_size_limit trims what SQLite itself keeps after a reset.
WAL_TRUNCATE_AT = 16 * 2**20
JOURNAL_SIZE_LIMIT = 64 * 2**20


def sqlite_path(url: str) -> str:
    """`sqlite:///rel.db` is relative to the working directory, `sqlite:////abs.db` absolute."""
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix) :]
            if not path:
                raise ValueError("DATABASE_URL names no SQLite file")
            return path
    raise ValueError(f"DATABASE_URL {url!r}: expected sqlite:///path.db")


class SqliteConnection:
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _run(self, sql: str, params: tuple[object, ...]) -> list[Any]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def execute(self, sql: str, *params: object) -> None:
        self._run(sql, params)

    async def fetchall(self, sql: str, *params: object) -> list[Row]:
        return self._run(sql, params)

    async def fetchone(self, sql: str, *params: object) -> Row | None:
        rows = await self.fetchall(sql, *params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *params: object) -> Any:
        rows = await self.fetchall(sql, *params)
        return rows[0][0] if rows else None


class SqliteSnapshotConnection(SqliteConnection):
    """The reader's statements, each in a worker thread: the event loop runs on meanwhile."""

    async def execute(self, sql: str, *params: object) -> None:
        await asyncio.to_thread(self._run, sql, params)

    async def fetchall(self, sql: str, *params: object) -> list[Row]:
        return await asyncio.to_thread(self._run, sql, params)


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, url: str, conn: sqlite3.Connection, path: str) -> None:
        self.url = url
        self._conn = conn
        self._path = path
        self._lock = asyncio.Lock()  # one connection: transactions of this process take turns
        self._commits = 0
        self._checkpointing: asyncio.Task[None] | None = None
        self._reader: sqlite3.Connection | None = None  # opened by the first snapshot
        self._reader_lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str) -> SqliteDatabase:
        path = sqlite_path(url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: a contended BEGIN waits in a worker thread (see above).
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=0")
        # The automatic checkpoint runs inside a COMMIT and fsyncs the database there, on the
        # event loop: 10 ms stalls. We checkpoint from a worker thread instead (below).
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        return cls(url, conn, path)

    def _begin_waiting(self) -> None:
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_WAIT_MS}")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")

    async def _begin(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            await asyncio.to_thread(self._begin_waiting)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        async with self._lock:
            await self._begin()
            try:
                yield SqliteConnection(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            self._commits += 1
            if self._commits >= CHECKPOINT_EVERY and self._checkpointing is None:
                self._commits = 0
                self._checkpointing = asyncio.get_running_loop().create_task(self._checkpoint())

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[SqliteConnection]:
        if self._path == ":memory:":  # a private database: no other connection can see it
            async with self.transaction() as conn:
                yield conn
            return
        async with self._reader_lock:
            if self._reader is None:
                self._reader = await asyncio.to_thread(_open_reader, self._path)
            reader = self._reader
            await asyncio.to_thread(reader.execute, "BEGIN")  # the snapshot: from the first read
            try:
                yield SqliteSnapshotConnection(reader)
            finally:
                await asyncio.to_thread(reader.execute, "ROLLBACK")

    async def _checkpoint(self) -> None:
        """Copy the WAL back into the database on a connection of its own, in a thread;
        PASSIVE never blocks our writers, and what it cannot copy now waits for the next one.
        A WAL past WAL_TRUNCATE_AT is then truncated while our transactions wait (off the event
        loop: they wait on the lock, the loop runs on); the passive pass left little to copy."""
        try:
            await asyncio.to_thread(_checkpoint_file, self._path, "PASSIVE")
            if _size(self._path + "-wal") >= WAL_TRUNCATE_AT:
                async with self._lock:
                    await asyncio.to_thread(_checkpoint_file, self._path, "TRUNCATE")
        except sqlite3.Error:
            pass  # a busy checkpoint is retried after the next batch of commits
        finally:
            self._checkpointing = None

    async def close(self) -> None:
        if self._checkpointing is not None:
            await self._checkpointing
        async with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        self._conn.close()  # the last connection to close checkpoints what is left


def _open_reader(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA query_only=ON")  # a report never writes
    # It waits in a worker thread, so it may: only a truncating checkpoint or recovery holds it.
    conn.execute(f"PRAGMA busy_timeout={BUSY_WAIT_MS}")
    conn.execute("PRAGMA temp_store=MEMORY")  # COUNT(DISTINCT) sorts: 2x faster in memory
    return conn


def _checkpoint_file(path: str, mode: str) -> None:
    # TRUNCATE waits (up to the timeout) for other processes' readers and writers to let go.
    conn = sqlite3.connect(path, isolation_level=None, timeout=0 if mode == "PASSIVE" else 5)
    try:
        conn.execute(f"PRAGMA wal_checkpoint({mode})")
    finally:
        conn.close()


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0
