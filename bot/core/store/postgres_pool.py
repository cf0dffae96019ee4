"""The PostgreSQL connections of one process, lent to its tasks one transaction at a time.

Why not asyncpg's own pool: every release there runs a task of its own (asyncio.shield) and a
reset hook, ~25 µs of CPU per lease measured on this kind of machine, against ~40 µs for the
statement itself; a message leases a connection about eight times. Here a lease is a pop from
a list and a push back. What asyncpg's pool also does and this one keeps: connections opened
on demand up to a bound, waiters served in turn, a connection found closed (the server
restarted, the network dropped) replaced by a fresh one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg


class Pool:
    def __init__(self, dsn: str, *, size: int) -> None:
        self._dsn = dsn
        self._size = size
        self._opened = 0  # connections open or being opened, lent or idle
        self._idle: list[asyncpg.Connection] = []
        # Tasks waiting for a connection, in turn: each gets one, or None to open its own.
        self._waiting: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._closed = False

    async def open(self) -> None:
        """Open the first connection now, so that a wrong URL fails at start-up."""
        async with self.lease():
            pass

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[asyncpg.Connection]:
        conn = await self._take()
        try:
            yield conn
        except BaseException as exc:
            # A statement cut off (cancelled, the network gone) leaves the connection in an
            # unknown state: closed, not lent again. After an error the database reported, or
            # one of ours, the transaction was rolled back and the connection is as good.
            if _reusable(conn, exc):
                self._give_back(conn)
            else:
                self._drop(conn)
            raise
        self._give_back(conn)

    async def _take(self) -> asyncpg.Connection:
        if self._closed:
            raise asyncpg.InterfaceError("the connection pool is closed")
        while self._idle:
            conn = self._idle.pop()  # the most recently used: warm, and its statements prepared
            if not conn.is_closed():
                return conn
            self._opened -= 1
        if self._opened >= self._size:
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                got = await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():  # our turn came as we were cancelled
                    handed = turn.result()
                    if handed is None:
                        self._opened -= 1
                    self._pass_on(handed)
                raise
            if got is not None:
                return got
        else:
            self._opened += 1
        try:
            return await asyncpg.connect(self._dsn)
        except BaseException:
            self._opened -= 1
            self._pass_on(None)
            raise

    def _give_back(self, conn: asyncpg.Connection) -> None:
        if self._closed or conn.is_closed():
            self._drop(conn)
        else:
            self._pass_on(conn)

    def _drop(self, conn: asyncpg.Connection) -> None:
        conn.terminate()
        self._opened -= 1
        self._pass_on(None)

    def _pass_on(self, conn: asyncpg.Connection | None) -> None:
        """To the first task still waiting: a connection, or None (room to open one)."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                if conn is None:
                    self._opened += 1
                turn.set_result(conn)
                return
        if conn is not None:
            self._idle.append(conn)

    async def close(self) -> None:
        """Close the idle connections; one still lent closes when it comes back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            self._opened -= 1
            await conn.close()
        for turn in self._waiting:
            if not turn.done():
                turn.set_exception(asyncpg.InterfaceError("the connection pool is closed"))
        self._waiting.clear()


def _reusable(conn: asyncpg.Connection, exc: BaseException) -> bool:
    if not isinstance(exc, Exception) or isinstance(exc, asyncpg.InterfaceError | OSError):
        return False
    if isinstance(exc, TimeoutError):
        return False
    return not conn.is_closed() and not conn.is_in_transaction()
