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


def storable(params: tuple[object, ...]) -> tuple[object, ...]:
    """`params` without U+0000 in their text: PostgreSQL's text cannot hold it (SQLSTATE 22021
    aborts the whole transaction), and SQLite's can. Chat text is cleaned of control characters
    before it gets here, but an e-mail from the API, a cell of an import or a dashboard search
    reaches the store as sent; dropping the NUL stores and finds it as on SQLite, bar the NUL."""
    if not any(type(value) is str and "\x00" in value for value in params):
        return params
    return tuple(value.replace("\x00", "") if type(value) is str else value for value in params)


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg:", "postgresql:", 1)


class PostgresConnection:
    dialect = "postgres"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *params: object) -> None:
        try:
            await self._conn.execute(to_numbered(sql), *storable(params))
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetchall(self, sql: str, *params: object) -> list[Row]:
        try:
            return list(await self._conn.fetch(to_numbered(sql), *storable(params)))
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc

    async def fetchone(self, sql: str, *params: object) -> Row | None:
        try:
            row: Row | None = await self._conn.fetchrow(to_numbered(sql), *storable(params))
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        return row

    async def fetchval(self, sql: str, *params: object) -> Any:
        try:
            return await self._conn.fetchval(to_numbered(sql), *storable(params))
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
