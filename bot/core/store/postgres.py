"""PostgreSQL through asyncpg: a pool shared by the tasks of one process, many processes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import asyncpg

from bot.core.store.database import IntegrityError, Row
from bot.core.store.postgres_pool import Pool

POOL_SIZE = 10  # connections per process

_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=512)
def to_numbered(sql: str) -> str:
    """Rewrite portable `?` placeholders to asyncpg's `$1, $2, ...`."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _m: f"${next(counter)}", sql)


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg:", "postgresql:", 1)


class PostgresConnection:
    dialect = "postgres"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *params: object) -> None:
        try:
            await self._conn.execute(to_numbered(sql), *params)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetchall(self, sql: str, *params: object) -> list[Row]:
        try:
            return list(await self._conn.fetch(to_numbered(sql), *params))
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetchone(self, sql: str, *params: object) -> Row | None:
        try:
            row: Row | None = await self._conn.fetchrow(to_numbered(sql), *params)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        return row

    async def fetchval(self, sql: str, *params: object) -> Any:
        try:
            return await self._conn.fetchval(to_numbered(sql), *params)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc


class PostgresDatabase:
    dialect = "postgres"

    def __init__(self, url: str, pool: Pool) -> None:
        self.url = url
        self._pool = pool

    @classmethod
    async def open(cls, url: str) -> PostgresDatabase:
        pool = Pool(asyncpg_dsn(url), size=POOL_SIZE)
        await pool.open()
        return cls(url, pool)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConnection]:
        async with self._pool.lease() as conn, conn.transaction():
            yield PostgresConnection(conn)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[PostgresConnection]:
        """A connection with no transaction open: each statement commits on its own."""
        async with self._pool.lease() as conn:
            yield PostgresConnection(conn)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[PostgresConnection]:
        # REPEATABLE READ: every statement of a report sees the same moment.
        async with (
            self._pool.lease() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PostgresConnection(conn)

    async def close(self) -> None:
        await self._pool.close()
