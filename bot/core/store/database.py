"""The database seam: a transaction yields a `Connection` that runs portable SQL.

SQL is written once with `?` placeholders; the PostgreSQL driver rewrites them to `$n`.
We talk to aiosqlite and asyncpg directly rather than through SQLAlchemy: the contract is a
few dozen portable statements, and the count path must stay well under a millisecond.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, overload, runtime_checkable

from bot.core.normalize import visible

Row = Sequence[Any]
MAX_ID = 2**63 - 1  # ids are BIGINT in both stores


def row_id(raw: str) -> int | None:
    """The id a form, a path or a query names, or None when no row can have it: not ASCII
    digits ("²" is a digit to str.isdigit, not to int), 0, or past a BIGINT (both drivers
    raise on those rather than find nothing)."""
    digits = raw.lstrip("0")
    # the length first: int() of thousands of digits is slow, or raises
    if raw.isascii() and digits.isdigit() and len(digits) <= 19 and int(digits) <= MAX_ID:
        return int(digits)
    return None


KEY_LENGTH = 200  # characters: at most 800 bytes of UTF-8, well inside a btree row
_DIGEST = "sha256:"


@overload
def index_key(text: str) -> str: ...
@overload
def index_key(text: None) -> None: ...
def index_key(text: str | None) -> str | None:
    """An identity (a provider's event or message id, a dedupe key) as a unique index holds it:
    itself when short, else a digest of it. A PostgreSQL btree row holds at most 2704 bytes, so
    a provider's 4 KB id was a 500. Text that looks like a digest is digested too, so no id can
    pass for another; the same text gives the same key on every driver (NUL and lone surrogates
    included, which the digest keeps)."""
    if text is None or (len(text) <= KEY_LENGTH and not text.startswith(_DIGEST)):
        return text
    return _DIGEST + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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


class DatabaseUnavailable(ValueError):
    """The database a `DATABASE_URL` names cannot be opened: an unknown kind of URL, a server
    that refuses or is not there, a file that cannot be made. The message shows no password."""


async def open_database(url: str) -> Database:
    """Open the database a `DATABASE_URL` names: `sqlite:///file.db` or `postgresql://...`."""
    if url.startswith("sqlite+aiosqlite:"):
        import sqlite3

        from bot.core.store.sqlite_aio import AioSqliteDatabase

        return await _opening(url, AioSqliteDatabase.open, (OSError, sqlite3.Error))
    if url.startswith("sqlite:"):
        import sqlite3

        from bot.core.store.sqlite import SqliteDatabase

        return await _opening(url, SqliteDatabase.open, (OSError, sqlite3.Error))
    if url.startswith(("postgresql:", "postgres:", "postgresql+asyncpg:")):
        import asyncpg

        from bot.core.store.postgres import PostgresDatabase

        refusals = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
        return await _opening(url, PostgresDatabase.open, refusals)
    raise DatabaseUnavailable(
        f"DATABASE_URL {shown(url)!r} is not supported: use sqlite:///path.db or postgresql://..."
    )


async def _opening(
    url: str,
    open_: Callable[[str], Awaitable[Database]],
    refusals: tuple[type[BaseException], ...],
) -> Database:
    try:
        return await open_(url)
    except refusals as exc:
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseUnavailable(f"cannot open the database {shown(url)} ({why})") from exc


def shown(url: str) -> str:
    """A database URL as it may be printed: `postgresql://shop:***@db/x`, no password."""
    head, at, tail = url.rpartition("@")
    scheme, sep, credentials = head.partition("://")
    if not at or not sep or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':')[0]}:***@{tail}"


def containing(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') for text containing `text` as typed, any ASCII case:
    % and _ are characters there, not wildcards; invisible characters are not looked for."""
    escaped = visible(text).lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def blind(array_type: str) -> str:
    """A PostgreSQL array parameter whose length the planner cannot see, `(SELECT ?::T[])`.

    A prepared statement is planned for its parameters five times, then keeps one generic
    plan if that costs no more. An array it can read (`unnest(?)`, `= ANY (?)`) costs its
    real length, one or two, in those plans and a guessed ten in the generic one, so the
    generic plan always looked dearer and every call was planned again (0.15-0.5 ms of the
    server's CPU each, 1.6 s of a 2,000-friend burst). Behind a scalar subquery both plans
    guess ten, and the generic one is kept."""
    return f"(SELECT ?::{array_type}[])"


def among(
    dialect: str, column: str, ids: Sequence[int], *, negated: bool = False
) -> tuple[str, list[object]]:
    """`column IN (ids)` (or NOT IN), with its parameters: on PostgreSQL `= ?` for one id and
    otherwise one array, `= ANY` (two statement texts, each planned once, whatever the count;
    `IN (SELECT unnest(...))` made its generic plan a scan of the whole table, and an array's
    plan, made for ten, reads a small table whole where one id wants its index); a mark each
    on SQLite. An empty list matches nothing (negated: everything) on both."""
    if dialect == "postgres":
        if len(ids) == 1:
            return f"{column} {'<>' if negated else '='} ?", list(ids)
        test = "<> ALL" if negated else "= ANY"
        return f"{column} {test} ({blind('bigint')}::bigint[])", [list(ids)]
    marks = ", ".join("?" for _ in ids) or "SELECT NULL WHERE 0"
    return f"{column} {'NOT IN' if negated else 'IN'} ({marks})", list(ids)
