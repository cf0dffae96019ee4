"""The lookups that the narrow indexes of migration 0110 serve still use them on SQLite.

Those indexes hold only some rows (the ones being sent, the dead, people on the board), and
SQLite uses such an index only when the query says the same condition in so many words: a
status passed as a parameter, or a MIN() across priorities, would quietly scan the whole
table instead. Each test runs a store method on a real file, captures its statement, and reads
SQLite's own plan for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.store import Store, open_store
from bot.core.store.database import Connection, Row
from bot.core.store.reports import Window
from bot.core.store.store import Tx

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass
class Capturing:
    """A connection that remembers each statement it runs, with its parameters."""

    inner: Connection
    seen: list[tuple[str, tuple[object, ...]]] = field(default_factory=list)

    @property
    def dialect(self) -> str:
        return self.inner.dialect

    async def execute(self, sql: str, *params: object) -> None:
        self.seen.append((sql, params))
        await self.inner.execute(sql, *params)

    async def fetchall(self, sql: str, *params: object) -> list[Row]:
        self.seen.append((sql, params))
        return await self.inner.fetchall(sql, *params)

    async def fetchone(self, sql: str, *params: object) -> Row | None:
        self.seen.append((sql, params))
        return await self.inner.fetchone(sql, *params)

    async def fetchval(self, sql: str, *params: object) -> Any:
        self.seen.append((sql, params))
        return await self.inner.fetchval(sql, *params)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp_path / 'plans.db'}")
    yield store
    await store.close()


async def plan_of(
    store: Store, call: Callable[[Tx], Awaitable[object]], containing: str = ""
) -> str:
    """SQLite's plan for the statement `call` runs (the one with `containing` in it, where
    it runs several), as its lines joined."""
    async with store.transaction() as tx:
        capturing = Capturing(tx.conn)
        await call(Tx.on(capturing))
        [(sql, params)] = [(sql, params) for sql, params in capturing.seen if containing in sql]
        rows = await tx.conn.fetchall(f"EXPLAIN QUERY PLAN {sql}", *params)
    return "\n".join(str(row[-1]) for row in rows)


def reads_every_row(plan: str, table: str) -> bool:
    """A plan line that walks the whole table, not an index of some of its rows."""
    return any(line.strip() == f"SCAN {table}" for line in plan.splitlines())


async def test_the_next_waiting_row_is_the_first_of_each_priority_in_the_claim_index(
    store: Store,
) -> None:
    plan = await plan_of(store, lambda tx: tx.outbox.next_due(reach={"telegram": None}))
    assert plan.count("USING INDEX outbox_claim (priority=?)") == 2
    assert not reads_every_row(plan, "outbox")
    assert "TEMP B-TREE" not in plan


async def test_a_claim_ranges_over_the_due_rows_of_the_claim_index(store: Store) -> None:
    async def claim(tx: Tx) -> object:
        return await tx.outbox.claim_due(
            now=NOW, reach={"telegram": None}, limit=10, lease=timedelta(seconds=30)
        )

    plan = await plan_of(store, claim)
    assert "USING INDEX outbox_claim (priority=? AND due_at<?)" in plan
    assert not reads_every_row(plan, "outbox")


async def test_lapsed_leases_are_found_by_lease_time_among_the_rows_being_sent(
    store: Store,
) -> None:
    plan = await plan_of(
        store, lambda tx: tx.outbox.lapsed(now=NOW, reach={"telegram": None}, limit=10)
    )
    assert "USING INDEX outbox_leased (lease_until<?)" in plan
    assert not reads_every_row(plan, "outbox")
    assert "TEMP B-TREE" not in plan


@pytest.mark.parametrize("status", ["dead", "skipped"])
async def test_an_operator_lists_dead_and_skipped_rows_from_their_own_index(
    store: Store, status: str
) -> None:
    plan = await plan_of(store, lambda tx: tx.outbox.recent(status=status, limit=50))
    assert f"USING INDEX outbox_{status}" in plan
    assert not reads_every_row(plan, "outbox")


async def test_an_unknown_status_is_refused_before_it_reaches_the_sql(store: Store) -> None:
    async with store.transaction() as tx:
        with pytest.raises(ValueError, match="no outbox status 'lost'"):
            await tx.outbox.recent(status="lost")


async def test_the_board_reads_only_people_with_a_referral(store: Store) -> None:
    plan = await plan_of(store, lambda tx: tx.referrals.board_and_rank(10, 3))
    assert "participants_board" in plan
    assert not reads_every_row(plan, "participants")


async def test_the_daily_summary_counts_dead_sends_from_their_own_index(store: Store) -> None:
    plan = await plan_of(
        store, lambda tx: tx.staff.day(NOW - timedelta(days=1), NOW), containing="'dead'"
    )
    assert "outbox_dead" in plan


async def test_a_manager_s_clients_and_the_links_report_use_their_narrow_indexes(
    store: Store,
) -> None:
    manages = await plan_of(store, lambda tx: tx.staff.manages("U123"))
    assert "participants_manager" in manages
    links = await plan_of(store, lambda tx: tx.reports.links(Window(start=NOW)))
    assert "participants_link_sent" in links
