"""Whatever happens, in whatever order, the ledger keeps its promises: never over a cap, never
two rewards for one referral, side and rule, never a state it may not reach."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.core.program import Program
from bot.core.rewards import on_purchase, on_refund, release_holds
from bot.core.rewards.review import ReviewError, void_reward
from bot.core.signups import sign_up
from bot.core.store import Store, open_store
from bot.core.store.records import Participant
from tests.conftest import backend_url
from tests.core.rewards.kit import NOW, program

REFERRERS, FRIENDS = 3, 8
TEXT = """
[program]
qualifying_event = "{event}"
min_purchase = 10
hold_days = {hold}
[[rewards]]
id = "mine"
side = "referrer"
unit = "money"
currency = "USD"
amounts = [{{ amount = 7 }}]
cap = {cap}
[[rewards]]
id = "theirs"
side = "friend"
unit = "money"
currency = "USD"
amounts = [{{ amount = 5 }}]
cap = 5
[[milestones]]
count = 2
perk = "a mug"
[[milestones]]
count = 3
perk = "a jacket"
[fraud]
signups_per_code_per_hour = 2
"""


@dataclass(frozen=True)
class Join:
    referrer: int
    friend: int


@dataclass(frozen=True)
class Buy:
    friend: int
    amount: int


@dataclass(frozen=True)
class Refund:
    friend: int


@dataclass(frozen=True)
class Later:
    hours: int


@dataclass(frozen=True)
class Void:
    pick: int


Op = Join | Buy | Refund | Later | Void

joins = st.builds(Join, st.integers(0, REFERRERS + 1), st.integers(0, FRIENDS - 1))
ops = st.one_of(
    joins,
    joins,  # twice: most events are signups
    st.builds(Join, st.integers(0, REFERRERS + FRIENDS - 1), st.integers(0, FRIENDS - 1)),
    st.builds(Buy, st.integers(0, FRIENDS - 1), st.integers(0, 30)),
    st.builds(Refund, st.integers(0, FRIENDS - 1)),
    st.builds(Later, st.integers(1, 72)),
    st.builds(Void, st.integers(0, 50)),
)
programs = st.builds(
    lambda event, hold, cap: program(TEXT.format(event=event, hold=hold, cap=cap)),
    st.sampled_from(["signup", "purchase"]),
    st.integers(0, 2),
    st.sampled_from([7, 10, 20]),
)


async def _apply(
    store: Store, prog: Program, people: list[Participant], op: Op, at: object
) -> None:
    assert isinstance(at, type(NOW))
    friends = people[REFERRERS:]
    async with store.transaction() as tx:
        if isinstance(op, Join):
            referrer, friend = people[op.referrer], friends[op.friend]
            fresh = [await tx.participants.get(p.id) for p in (referrer, friend)]
            assert fresh[0] is not None and fresh[1] is not None
            await sign_up(
                tx,
                program=prog,
                referrer=fresh[0],
                friend=fresh[1],
                code=referrer.code,
                channel="console",
                at=at,
            )
        elif isinstance(op, Buy):
            await on_purchase(
                tx, prog, participant=friends[op.friend], amount=Decimal(op.amount), at=at
            )
        elif isinstance(op, Refund):
            await on_refund(tx, prog, participant=friends[op.friend], at=at)
        elif isinstance(op, Void):
            try:
                await void_reward(tx, op.pick + 1, reason="test", at=at, actor="test")
            except ReviewError:
                pass
        else:
            await release_holds(tx, prog, now=at)


async def _check(store: Store, prog: Program, people: list[Participant]) -> None:
    """`people`: this example's participants. The PostgreSQL test shares one schema between
    examples whose programs differ, so the caps of this program judge only its own rewards."""
    ours = {p.id for p in people}
    async with store.transaction() as tx:
        rows = [
            row
            for row in await tx.conn.fetchall(
                "SELECT participant_id, rule_id, referral_id, side, kind, amount, status "
                "FROM rewards"
            )
            if int(row[0]) in ours
        ]
        caps = {rule.id: rule.cap for rule in prog.rewards}
        held: dict[tuple[int, str], int] = {}
        keys = set()
        for pid, rule, referral, side, kind, amount, status in rows:
            key = (referral, side, rule) if kind == "referral" else (pid, rule)
            assert key not in keys, f"two rewards for {key}"
            keys.add(key)
            if status != "voided":
                held[(pid, rule)] = held.get((pid, rule), 0) + int(amount)
        for status in sorted({str(row[6]) for row in rows}):
            event(f"a reward ended {status}")
        for (pid, rule), units in held.items():
            cap = caps.get(rule)
            assert cap is None or Decimal(units) / 10_000 <= cap, f"{pid} over the {rule} cap"
            if cap is not None and Decimal(units) / 10_000 == cap:
                event("someone reached a cap")
            total = await tx.rewards.totals.of(pid, rule) if rule in caps else None
            assert total is None or total == Decimal(units) / 10_000
        moves = await tx.conn.fetchall(
            "SELECT reward_id, status FROM reward_entries ORDER BY reward_id, id"
        )
        early = await tx.conn.fetchval(
            "SELECT COUNT(*) FROM reward_entries e JOIN rewards w ON w.id = e.reward_id "
            "WHERE e.status = 'approved' AND e.at < w.hold_until"
        )
        assert early == 0, "approved before its hold ended"
        allowed = {
            ("pending", "approved"),
            ("pending", "voided"),
            ("approved", "voided"),
            ("approved", "issued"),
            ("pending", "pending"),
        }
        last: dict[int, str] = {}
        for reward_id, status in moves:
            before = last.get(reward_id)
            assert before is None or (before, status) in allowed, (before, status)
            last[reward_id] = status
        stored = await tx.conn.fetchall(
            "SELECT p.referral_count, p.pending_count, p.rejected_count, "
            "(SELECT COUNT(*) FROM referrals r WHERE r.referrer_id = p.id "
            "AND r.status <> 'rejected'), (SELECT COUNT(*) FROM referrals r "
            "WHERE r.referrer_id = p.id AND r.status = 'signed_up'), (SELECT COUNT(*) "
            "FROM referrals r WHERE r.referrer_id = p.id AND r.status = 'rejected') "
            "FROM participants p"
        )
        assert all(tuple(map(int, row[:3])) == tuple(map(int, row[3:])) for row in stored)


async def _run(prog: Program, script: list[Op], url: str = "sqlite:///:memory:") -> None:
    store = await open_store(url)
    try:
        async with store.transaction() as tx:
            people = [
                await tx.participants.create(display_name=f"p{i}", lang="en", at=NOW)
                for i in range(REFERRERS + FRIENDS)
            ]
        at = NOW
        for op in script:
            at += timedelta(hours=op.hours) if isinstance(op, Later) else timedelta(minutes=1)
            await _apply(store, prog, people, op, at)
        await _check(store, prog, people)
    finally:
        await store.close()


@settings(max_examples=150, deadline=None)
@given(prog=programs, script=st.lists(ops, min_size=5, max_size=60))
def test_no_sequence_of_events_pays_twice_or_past_a_cap(prog: Program, script: list[Op]) -> None:
    asyncio.run(_run(prog, script))


@pytest.mark.postgres
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prog=programs, script=st.lists(ops, min_size=5, max_size=40))
def test_the_same_holds_on_postgres(postgres_url: str, prog: Program, script: list[Op]) -> None:
    """One schema for every example: the invariants are over all rows, so they still hold."""
    asyncio.run(_run(prog, script, postgres_url))


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    yield from backend_url("postgres", tmp_path)
