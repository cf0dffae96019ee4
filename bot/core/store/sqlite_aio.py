"""SQLite through aiosqlite (`sqlite+aiosqlite:///file.db`): every statement in its thread.

Kept as the reference driver; the default `sqlite:///` driver (sqlite.py) is ~10x faster here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.store.database import IntegrityError, Row
from bot.core.store.sqlite import sqlite_path


class AioSqliteConnection:
    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *params: object) -> None:
        try:
            await self._conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetchall(self, sql: str, *params: object) -> list[Row]:
        try:
            return list(await self._conn.execute_fetchall(sql, params))
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetchone(self, sql: str, *params: object) -> Row | None:
        rows = await self.fetchall(sql, *params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *params: object) -> Any:
        row = await self.fetchone(sql, *params)
        return None if row is None else row[0]


class AioSqliteDatabase:
    dialect = "sqlite"

    def __init__(self, url: str, conn: aiosqlite.Connection) -> None:
        self.url = url
        self._conn = conn
        # One connection, so transactions take turns; BEGIN IMMEDIATE makes other processes wait
        # on busy_timeout instead of failing halfway through a transaction.
        self._lock = asyncio.Lock()
        self._reader: aiosqlite.Connection | None = None  # opened by the first snapshot
        self._reader_lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str) -> AioSqliteDatabase:
        path = sqlite_path(url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=10000")
        return cls(url, conn)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AioSqliteConnection]:
        """On a read-only connection of its own (as sqlite.py), so it holds no write lock."""
        path = sqlite_path(self.url)
        if path == ":memory:":  # a private database: no other connection can see it
            async with self.transaction() as conn:
                yield conn
            return
        async with self._reader_lock:
            if self._reader is None:
                self._reader = await aiosqlite.connect(path, isolation_level=None)
                await self._reader.execute("PRAGMA query_only=ON")
                await self._reader.execute("PRAGMA busy_timeout=10000")
            await self._reader.execute("BEGIN")
            try:
                yield AioSqliteConnection(self._reader)
            finally:
                await self._reader.execute("ROLLBACK")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AioSqliteConnection]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield AioSqliteConnection(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
        await self._conn.close()
