"""Fraud rules: certain refusals with a reason, suspicions held for a reviewer, never rejected."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.core.fraud import Origin
from bot.core.messages import Address
from bot.core.rewards.review import ReviewError, approve_reward, issue_reward, void_reward
from bot.core.store import Store
from tests.core.rewards.kit import NOW, join, ledger, person, program, release, status_of

FRAUD = """
[program]
hold_days = 7
attribution_days = 30
[[rewards]]
id = "cash"
side = "referrer"
unit = "money"
currency = "USD"
amounts = [{ amount = 20 }]
[fraud]
signups_per_code_per_hour = 3
signups_per_network_per_day = 2
"""


async def test_the_same_phone_or_email_on_both_sides_is_self_referral(store: Store) -> None:
    prog = program(FRAUD)
    alice = await person(store, "+14155550100", channel="sms")
    async with store.transaction() as tx:
        await tx.participants.attach(Address("email", "alice@example.com"), alice.id, at=NOW)
    other = await person(store, "alice-on-telegram", channel="telegram")
    by_phone = await join(store, prog, alice, other, claimed=(Address("sms", "+1 415 555 0100"),))
    assert by_phone.reason == "self_referral"
    by_email = await join(
        store, prog, alice, other, claimed=(Address("email", "Alice@Example.com"),)
    )
    assert by_email.reason == "self_referral"
    assert (await join(store, prog, alice, alice)).reason == "self_referral"
    assert await ledger(store, alice) == []


async def test_a_click_older_than_the_attribution_window_does_not_count(store: Store) -> None:
    prog = program(FRAUD)
    alice, bob, carol = [await person(store, n) for n in ("alice", "bob", "carol")]
    async with store.transaction() as tx:
        for visitor in ("v-bob", "v-carol"):
            await tx.clicks.record(
                code=alice.code,
                referrer_id=alice.id,
                visitor=visitor,
                network="198.51.100.1",
                user_agent="Mozilla/5.0",
                at=NOW,
            )
    late = await join(
        store, prog, alice, bob, at=NOW + timedelta(days=31), origin=Origin(visitor="v-bob")
    )
    assert late.reason == "attribution_expired"
    in_time = await join(
        store, prog, alice, carol, at=NOW + timedelta(days=29), origin=Origin(visitor="v-carol")
    )
    assert in_time.referral is not None


async def test_too_many_signups_in_an_hour_are_held_not_refused(store: Store) -> None:
    prog = program(FRAUD)
    alice = await person(store, "alice")
    held = []
    for i in range(5):
        signup = await join(
            store, prog, alice, await person(store, f"f{i}"), at=NOW + timedelta(minutes=i)
        )
        assert signup.referral is not None  # counted, every one
        held.append(signup.held)
    assert held == [(), (), (), ("velocity",), ("velocity",)]
    rewards = await ledger(store, alice)
    assert [r.held for r in rewards] == [None, None, None, "velocity", "velocity"]
    news = await release(store, prog, at=NOW + timedelta(days=8))
    assert len(news.approved) == 3  # the held ones wait for a reviewer
    later = await join(store, prog, alice, await person(store, "f9"), at=NOW + timedelta(hours=2))
    assert later.held == ()  # the hour has passed


async def test_many_signups_or_clicks_from_one_network_are_flagged(store: Store) -> None:
    prog = program(FRAUD)
    alice, bob = await person(store, "alice"), await person(store, "bob")
    flags = []
    for i in range(3):
        friend = await person(store, f"f{i}")
        signup = await join(
            store,
            prog,
            alice if i % 2 else bob,
            friend,
            at=NOW + timedelta(hours=i * 2),
            origin=Origin(network="203.0.113.9"),
        )
        flags.append(signup.held)
    assert flags == [(), (), ("network",)]
    async with store.transaction() as tx:
        for i in range(3):
            await tx.clicks.record(
                code=alice.code,
                referrer_id=alice.id,
                visitor=f"v{i}",
                network="192.0.2.7",
                user_agent="x",
                at=NOW,
            )
    clicked = await join(
        store,
        prog,
        alice,
        await person(store, "g"),
        origin=Origin(visitor="v0"),
        at=NOW + timedelta(hours=8),
    )
    assert clicked.held == ("network",)
    device = [
        (
            await join(
                store,
                prog,
                bob,
                await person(store, f"d{i}"),
                origin=Origin(device="fp-1"),
                at=NOW + timedelta(hours=10 + i * 2),
            )
        ).held
        for i in range(3)
    ]
    assert device == [(), (), ("device",)]


async def test_a_reviewer_approves_or_voids_held_rewards(store: Store) -> None:
    prog = program(FRAUD, hold_days=0)
    alice = await person(store, "alice")
    signups = [
        await join(store, prog, alice, await person(store, f"f{i}"), at=NOW + timedelta(minutes=i))
        for i in range(5)
    ]
    held = [r for r in await ledger(store, alice) if r.held]
    assert len(held) == 2 and all(r.status == "pending" for r in held)
    assert signups[3].referral is not None
    assert await status_of(store, signups[3].referral.id) == "signed_up"  # waits for review
    async with store.transaction() as tx:
        news = await approve_reward(tx, prog, held[0].id, at=NOW, actor="test")
        assert [r.id for r in news.approved] == [held[0].id]
        voided = await void_reward(tx, held[1].id, reason="suspected_fraud", at=NOW, actor="t")
        assert voided.voided[0].reason == "suspected_fraud"
        assert await tx.rewards.totals.of(alice.id, "cash") == Decimal(80)
    assert await status_of(store, signups[3].referral.id) == "rewarded"


async def test_wrong_states_are_errors_that_say_the_state(store: Store) -> None:
    prog = program(FRAUD)
    alice, bob = await person(store, "alice"), await person(store, "bob")
    signup = await join(store, prog, alice, bob)
    reward = signup.news.granted[0]
    async with store.transaction() as tx:
        with pytest.raises(ReviewError, match="pending: approve it first"):
            await issue_reward(tx, reward.id, at=NOW, actor="t")
        with pytest.raises(ReviewError, match="no reward 999"):
            await approve_reward(tx, prog, 999, at=NOW, actor="t")
        with pytest.raises(ReviewError, match="say why"):
            await void_reward(tx, reward.id, reason="  ", at=NOW, actor="t")
        await approve_reward(tx, prog, reward.id, at=NOW, actor="t")
        issued = await issue_reward(tx, reward.id, at=NOW, actor="t")
        assert issued.status == "issued"
        with pytest.raises(ReviewError, match="issued: it was paid out already"):
            await void_reward(tx, reward.id, reason="oops", at=NOW, actor="t")
        with pytest.raises(ReviewError, match="issued: it was issued already"):
            await issue_reward(tx, reward.id, at=NOW, actor="t")
        history = [status for status, *_ in await tx.rewards.entries(reward.id)]
    assert history == ["pending", "approved", "issued"]
