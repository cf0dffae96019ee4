"""On PostgreSQL, the statements that take a list as an array are planned once, not at each call;
a claim reads only the rows it takes.

asyncpg prepares a statement once per connection; PostgreSQL plans it for its parameters five
times, then keeps one generic plan if that costs no more. An array whose length the planner
could read made the generic plan look dearer every time, so each call was planned again
(0.15-0.5 ms of the server's CPU; 1.6 s of a 2,000-friend burst). `pg_prepared_statements`
counts, per connection, the custom plans made and the times the generic one was used.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import to_micros
from bot.core.messages import Address, Outbound
from bot.core.store import Store, open_store
from bot.core.store.outbox import Claim, Queued
from bot.core.store.pace import Booking
from bot.core.store.store import Tx
from tests.conftest import backend_url
from tests.core.test_index_use import Capturing

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
CALLS = 12


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    yield from backend_url("postgres", tmp_path)


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[Store]:
    store = await open_store(postgres_url)
    yield store
    await store.close()


async def test_array_statements_keep_one_generic_plan(store: Store) -> None:
    people = [Address("telegram", str(n)) for n in range(1, 4)]
    async with store.transaction() as tx:  # one transaction: one connection, one statement cache
        ids = []
        for address in people:
            person = await tx.participants.create(display_name=address.id, lang="en", at=NOW)
            await tx.participants.attach(address, person.id, at=NOW)
            ids.append(person.id)
        # A table of some size, as in a burst: on a handful of rows every plan costs the same.
        sent = [
            Queued(Outbound(people[n % 3], "Welcome!"), "reply", NOW, None, ids[n % 3])
            for n in range(3_000)
        ]
        await tx.outbox.enqueue_many(sent, at=NOW)
        for n in range(CALLS):
            at = NOW + timedelta(seconds=n)
            who = ids[: 2 + n % 2]  # two people or three: lengths the planner sees
            row = await tx.outbox.enqueue(
                Outbound(people[n % 3], f"Thanks {n}"), kind="thanks", due_at=at, at=at
            )
            assert row is not None
            (claimed,) = await tx.outbox.claim_due_each(
                [Claim(reach={"telegram": None}, limit=1)], now=at, lease=timedelta(minutes=1)
            )
            lease = to_micros(at + timedelta(minutes=1))
            assert await tx.outbox.still_ours_each([(r.id, lease) for r in claimed])
            await tx.outbox.reply_counts_each(claimed, since=at - timedelta(hours=1))
            await tx.outbox.mark_all_sent([(r.id, f"m{r.id}", at) for r in claimed])
            await tx.outbox.proactive_times_each(
                who, direct=frozenset({"reply"}), since=at - timedelta(days=1), now=at
            )
            await tx.participants.get_many(who, lock=True)
            await tx.participants.identities(people[: 2 + n % 2])
            await tx.pace.claim(
                [Booking("telegram", 33_333), Booking(f"telegram:{who[0]}", 1_000_000)],
                earliest=to_micros(at),
                horizon=60_000_000,
            )
        plans = await tx.conn.fetchall(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%[])%' AND generic_plans + custom_plans >= ?",
            CALLS,
        )
    assert len(plans) >= 7  # each statement above that takes an array
    replanned = [(s.split()[:6], custom) for s, generic, custom in plans if custom > 5]
    assert replanned == []


def index_rows(plan: object, index: str) -> int:
    """The rows a plan (EXPLAIN ANALYZE, JSON) read through an index, over all its nodes."""
    if isinstance(plan, list):
        return sum(index_rows(node, index) for node in plan)
    if not isinstance(plan, dict):
        return 0
    here = int(plan["Actual Rows"]) if plan.get("Index Name") == index else 0
    below = [plan["Plan"]] if "Plan" in plan else plan.get("Plans", [])
    return here + sum(index_rows(node, index) for node in below)


async def test_a_claim_reads_the_rows_it_takes_not_every_row_waiting(store: Store) -> None:
    # 3,000 answers due at the same moment, as in a burst: the claim index once held them in
    # no particular order among equals, so each claim of 16 read and sorted all 3,000.
    friend = Address("telegram", "7")
    async with store.transaction() as tx:
        person = await tx.participants.create(display_name="Friend", lang="en", at=NOW)
        waiting = [Queued(Outbound(friend, "Welcome!"), "reply", NOW, None, person.id)] * 3_000
        await tx.outbox.enqueue_many(waiting, at=NOW)
        capturing = Capturing(tx.conn)
        claim = Claim(reach={"telegram": None}, limit=16, priority=0)
        (taken,) = await Tx.on(capturing).outbox.claim_due_each(
            [claim], now=NOW, lease=timedelta(minutes=1)
        )
        [(sql, params)] = capturing.seen
        [(plan,)] = await tx.conn.fetchall(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *params)
    assert [row.text for row in taken] == ["Welcome!"] * 16
    assert 16 <= index_rows(json.loads(plan), "outbox_claim") <= 17
