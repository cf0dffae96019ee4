"""Races the database decides: twenty friends in the same second never push a referrer past a
cap, and repeated or concurrent events never make a second promise."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from bot.core.store import Store
from tests.core.rewards.kit import NOW, buy, join, ledger, person, program

CAPPED = """
[program]
hold_days = 0
qualifying_event = "{event}"
[[rewards]]
id = "space"
side = "referrer"
unit = "storage"
amounts = [{{ amount = 500 }}]
cap = 2000
[[rewards]]
id = "friend-space"
side = "friend"
unit = "storage"
amounts = [{{ amount = 500 }}]
[fraud]
signups_per_code_per_hour = 1000
"""


async def test_twenty_signups_at_once_stay_within_the_cap(store: Store) -> None:
    prog = program(CAPPED.format(event="signup"))
    alice = await person(store, "alice")
    friends = [await person(store, f"f{i}") for i in range(20)]
    signups = await asyncio.gather(*(join(store, prog, alice, f) for f in friends))
    assert all(s.referral is not None for s in signups)
    mine = await ledger(store, alice)
    assert len(mine) == 20
    assert sum(r.amount for r in mine if r.status != "voided") == Decimal(2000)
    assert sum(r.status == "voided" and r.reason == "cap_reached" for r in mine) == 16
    async with store.transaction() as tx:
        assert await tx.rewards.totals.of(alice.id, "space") == Decimal(2000)
        for friend in friends:  # friends always get theirs
            assert [r.amount for r in await tx.rewards.of_participant(friend.id)] == [500]


async def test_concurrent_purchases_by_one_friend_promise_once(store: Store) -> None:
    prog = program(CAPPED.format(event="purchase"))
    alice, bob = await person(store, "alice"), await person(store, "bob")
    await join(store, prog, alice, bob)
    results = await asyncio.gather(*(buy(store, prog, bob, "10", at=NOW) for _ in range(8)))
    assert sum(len(news.granted) for news in results) == 2  # one per side
    assert len(await ledger(store, alice)) == 1 and len(await ledger(store, bob)) == 1


async def test_the_same_friend_joining_two_codes_at_once_counts_once(store: Store) -> None:
    prog = program(CAPPED.format(event="signup"))
    alice, carol, bob = [await person(store, n) for n in ("alice", "carol", "bob")]
    first, second = await asyncio.gather(
        join(store, prog, alice, bob), join(store, prog, carol, bob)
    )
    assert sorted([first.reason or "", second.reason or ""]) == ["", "already_referred"]
    assert len(await ledger(store, bob)) == 1


async def test_the_cap_row_alone_decides_concurrent_grants(store: Store) -> None:
    """No referral row lock to hide behind: twenty takes on one total, one UPDATE each."""
    alice = await person(store, "alice")

    async def take() -> Decimal:
        async with store.transaction() as tx:
            got = await tx.rewards.totals.take(alice.id, "space", Decimal(300), cap=Decimal(2000))
            await asyncio.sleep(0)  # hold the transaction open while others queue
            return got

    grants = await asyncio.gather(*(take() for _ in range(20)))
    assert sum(grants) == Decimal(2000)
    assert sorted(grants, reverse=True)[:7] == [Decimal(300)] * 6 + [Decimal(200)]
    async with store.transaction() as tx:
        assert await tx.rewards.totals.of(alice.id, "space") == Decimal(2000)
