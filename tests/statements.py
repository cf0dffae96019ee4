"""A database that counts the statements and commits it is asked for, on either dialect.

It wraps the real `Database` (SQLite or PostgreSQL), so the store, the engine and the flows run
unchanged; a test or a bench reads `statements` and `commits` around one inbound message.
Statements are the round trips the store makes (execute, fetchall, fetchone, fetchval);
BEGIN and COMMIT are counted apart, as `commits`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.core.store.database import Connection, Database, Row


@dataclass
class Tally:
    statements: int = 0
    commits: int = 0
    sql: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.statements = 0
        self.commits = 0
        self.sql.clear()


class CountingConnection:
    def __init__(self, inner: Connection, tally: Tally) -> None:
        self._inner = inner
        self._tally = tally
        self.dialect = inner.dialect

    def _count(self, sql: str) -> None:
        self._tally.statements += 1
        self._tally.sql.append(sql)

    async def execute(self, sql: str, *params: object) -> None:
        self._count(sql)
        await self._inner.execute(sql, *params)

    async def fetchall(self, sql: str, *params: object) -> list[Row]:
        self._count(sql)
        return await self._inner.fetchall(sql, *params)

    async def fetchone(self, sql: str, *params: object) -> Row | None:
        self._count(sql)
        return await self._inner.fetchone(sql, *params)

    async def fetchval(self, sql: str, *params: object) -> Any:
        self._count(sql)
        return await self._inner.fetchval(sql, *params)


class CountingDatabase:
    def __init__(self, inner: Database) -> None:
        self._inner = inner
        self.tally = Tally()
        self.dialect = inner.dialect
        self.url = inner.url

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._inner.transaction() as conn:
            yield CountingConnection(conn, self.tally)
        self.tally.commits += 1

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        async with self._inner.snapshot() as conn:
            yield CountingConnection(conn, self.tally)

    async def close(self) -> None:
        await self._inner.close()
