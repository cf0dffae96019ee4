"""The database seam: a transaction yields a `Connection` that runs portable SQL.

SQL is written once with `?` placeholders; the PostgreSQL driver rewrites them to `$n`.
We talk to aiosqlite and asyncpg directly rather than through SQLAlchemy: the contract is a
few dozen portable statements, and the count path must stay well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

Row = Sequence[Any]


class Connection(Protocol):
    dialect: str

    async def execute(self, sql: str, *params: object) -> None: ...

    async def fetchall(self, sql: str, *params: object) -> list[Row]: ...

    async def fetchone(self, sql: str, *params: object) -> Row | None: ...

    async def fetchval(self, sql: str, *params: object) -> Any: ...


class Database(Protocol):
    dialect: str
    url: str

    def transaction(self) -> AbstractAsyncContextManager[Connection]: ...

    def snapshot(self) -> AbstractAsyncContextManager[Connection]:
        """Reads of one consistent moment that hold no write lock: the reports, the dashboard's
        lists, exports and /metrics read here, so a scan of a million rows never keeps a
        message waiting. Writes through it fail."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class Autocommits(Protocol):
    """A database whose statements can run each in a transaction of its own, with no BEGIN or
    COMMIT round trip around them (PostgreSQL: every statement is a network round trip)."""

    def autocommit(self) -> AbstractAsyncContextManager[Connection]: ...


class IntegrityError(Exception):
    """A constraint said no: the database decided a race or refused bad data."""


async def open_database(url: str) -> Database:
    """Open the database a `DATABASE_URL` names: `sqlite:///file.db` or `postgresql://...`."""
    if url.startswith("sqlite+aiosqlite:"):
        from bot.core.store.sqlite_aio import AioSqliteDatabase

        return await AioSqliteDatabase.open(url)
    if url.startswith("sqlite:"):
        from bot.core.store.sqlite import SqliteDatabase

        return await SqliteDatabase.open(url)
    if url.startswith(("postgresql:", "postgres:", "postgresql+asyncpg:")):
        from bot.core.store.postgres import PostgresDatabase

        return await PostgresDatabase.open(url)
    raise ValueError(
        f"DATABASE_URL {url!r} is not supported: use sqlite:///path.db or postgresql://..."
    )
