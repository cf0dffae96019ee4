"""The PostgreSQL connection pool (bot/core/store/postgres_pool.py): connections are lent one
task at a time up to its size, waiters are served in turn, and a connection left in doubt
(cancelled mid-statement, closed under us) is replaced rather than lent again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.core.store.postgres_pool import Pool
from tests.conftest import POSTGRES_URL, postgres_ok

pytestmark = pytest.mark.postgres


@pytest.fixture
def reachable() -> str:
    if not postgres_ok():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    return POSTGRES_URL


@pytest.fixture
async def pool(reachable: str) -> AsyncIterator[Pool]:
    opened = Pool(reachable, size=2)
    await opened.open()
    yield opened
    await opened.close()


async def backend(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT pg_backend_pid()"))


async def settle() -> None:
    """Let the tasks just started run up to where they wait (a turn, a statement)."""
    for _ in range(10):
        await asyncio.sleep(0)


async def holding(pool: Pool, release: asyncio.Event) -> list[asyncio.Task[None]]:
    """Every connection of the pool lent to a task until `release` is set."""

    async def hold(ready: asyncio.Event) -> None:
        async with pool.lease():
            ready.set()
            await release.wait()

    got = [asyncio.Event() for _ in range(2)]
    holders = [asyncio.create_task(hold(ready)) for ready in got]
    for ready in got:
        await ready.wait()
    return holders


async def test_a_connection_given_back_is_lent_again(pool: Pool) -> None:
    async with pool.lease() as conn:
        first = await backend(conn)
    async with pool.lease() as conn:
        assert await backend(conn) == first


async def test_no_more_connections_than_its_size_and_waiters_go_in_turn(pool: Pool) -> None:
    held = asyncio.Event()
    order: list[int] = []

    async def wait(n: int) -> None:
        async with pool.lease() as conn:
            order.append(n)
            await backend(conn)

    holders = await holding(pool, held)
    waiters = [asyncio.create_task(wait(n)) for n in range(3)]
    await settle()
    assert order == []  # all three wait: the pool is at its size
    held.set()
    await asyncio.gather(*holders, *waiters)
    assert order == [0, 1, 2]
    async with pool.lease() as a, pool.lease() as b:
        assert await backend(a) != await backend(b)


async def test_a_database_error_leaves_the_connection_fit_to_lend_again(pool: Pool) -> None:
    async with pool.lease() as conn:
        first = await backend(conn)
    with pytest.raises(asyncpg.PostgresError):
        async with pool.lease() as conn, conn.transaction():
            await conn.execute("SELECT 1 / 0")
    async with pool.lease() as conn:
        assert await backend(conn) == first
        assert await conn.fetchval("SELECT 2") == 2


async def test_a_statement_cut_off_by_a_cancel_costs_its_connection(pool: Pool) -> None:
    async with pool.lease() as conn:
        first = await backend(conn)

    async def sleepy() -> None:
        async with pool.lease() as conn:
            await conn.execute("SELECT pg_sleep(5)")

    task = asyncio.create_task(sleepy())
    await settle()  # the statement is on its way
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with pool.lease() as conn:
        assert await backend(conn) != first  # a fresh connection
        assert await conn.fetchval("SELECT 3") == 3


async def test_a_connection_closed_while_idle_is_replaced(pool: Pool) -> None:
    async with pool.lease() as conn:
        first = await backend(conn)
        await conn.close()  # as if the server had gone away
    async with pool.lease() as conn:
        assert await backend(conn) != first


async def test_a_waiter_cancelled_in_its_turn_passes_the_connection_on(pool: Pool) -> None:
    release = asyncio.Event()
    holders = await holding(pool, release)
    cancelled = asyncio.create_task(_lease_once(pool))
    served = asyncio.create_task(_lease_once(pool))
    await settle()
    release.set()
    await asyncio.sleep(0)  # the first connection back goes to the first waiter...
    cancelled.cancel()  # ...cancelled before it could take it up
    await asyncio.gather(*holders)
    assert await asyncio.wait_for(served, 5) == 4
    with pytest.raises(asyncio.CancelledError):
        await cancelled


async def _lease_once(pool: Pool) -> int:
    async with pool.lease() as conn:
        return int(await conn.fetchval("SELECT 4"))
