"""The rule engine: what a signup, a purchase, a refund and the end of a hold do to the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.core.store import Store
from tests.core.rewards.kit import (
    NOW,
    buy,
    join,
    ledger,
    person,
    program,
    refund,
    release,
    status_of,
)

DAY = timedelta(days=1)

PURCHASE = """
[program]
qualifying_event = "purchase"
min_purchase = 50
hold_days = 7
[[rewards]]
id = "credit"
side = "referrer"
unit = "credit"
currency = "USD"
amounts = [{ amount = 25 }, { since = 2026-12-01, amount = 15 }]
"""

TIERS = """
[program]
hold_days = 0
[[rewards]]
id = "points"
side = "referrer"
unit = "points"
amounts = [{ amount = 100 }]
[[milestones]]
count = 2
perk = "a mug"
[[milestones]]
count = 3
perk = "a jacket"
"""


async def test_a_signup_promises_both_sides_once_and_holds_them(store: Store) -> None:
    prog = program()
    alice, bob = await person(store, "alice"), await person(store, "bob")
    signup = await join(store, prog, alice, bob)
    assert signup.referral is not None
    assert [(r.participant_id, r.amount, r.status) for r in signup.news.granted] == [
        (alice.id, Decimal(20), "pending"),
        (bob.id, Decimal(20), "pending"),
    ]
    assert all(r.hold_until == NOW + 14 * DAY for r in signup.news.granted)
    assert await status_of(store, signup.referral.id) == "qualified"
    again = await join(store, prog, alice, bob)  # the same friend again: refused, nothing new
    assert again.reason == "already_referred" and not again.news
    assert len(await ledger(store, alice)) == 1


async def test_holds_release_when_they_end_and_not_before(store: Store) -> None:
    prog = program()
    alice, bob = await person(store, "alice"), await person(store, "bob")
    signup = await join(store, prog, alice, bob)
    assert not await release(store, prog, at=NOW + 13 * DAY)
    news = await release(store, prog, at=NOW + 14 * DAY)
    assert {r.participant_id for r in news.approved} == {alice.id, bob.id}
    assert not await release(store, prog, at=NOW + 15 * DAY)  # approved once
    assert signup.referral is not None
    assert await status_of(store, signup.referral.id) == "rewarded"
    async with store.transaction() as tx:
        history = await tx.rewards.entries(news.approved[0].id)
    assert [(status, actor) for status, _, _, actor in history] == [
        ("pending", "engine"),
        ("approved", "hold"),
    ]


async def test_a_refund_inside_the_hold_voids_both_sides(store: Store) -> None:
    prog = program()
    alice, bob = await person(store, "alice"), await person(store, "bob")
    signup = await join(store, prog, alice, bob)
    news = await refund(store, prog, bob, at=NOW + 3 * DAY)
    assert {(r.participant_id, r.status, r.reason) for r in news.voided} == {
        (alice.id, "voided", "refunded"),
        (bob.id, "voided", "refunded"),
    }
    assert signup.referral is not None
    assert await status_of(store, signup.referral.id) == "signed_up"
    assert not await release(store, prog, at=NOW + 30 * DAY)
    async with store.transaction() as tx:
        assert await tx.rewards.totals.of(alice.id, "referrer-cash") == 0


async def test_a_refund_after_the_hold_changes_nothing(store: Store) -> None:
    prog = program()
    alice, bob = await person(store, "alice"), await person(store, "bob")
    await join(store, prog, alice, bob)
    await release(store, prog, at=NOW + 14 * DAY)
    assert not await refund(store, prog, bob, at=NOW + 20 * DAY)
    assert [r.status for r in await ledger(store, alice)] == ["approved"]


async def test_amounts_are_those_in_force_on_the_friends_signup_day(store: Store) -> None:
    prog = program()
    alice, bob, carol = [await person(store, n) for n in ("alice", "bob", "carol")]
    await join(store, prog, alice, bob, at=datetime(2026, 12, 31, 23, 0, tzinfo=UTC))
    await join(store, prog, alice, carol, at=datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    rewards = await ledger(store, alice)
    assert [(r.amount, r.rule_version) for r in rewards] == [(Decimal(20), 0), (Decimal(10), 1)]


async def test_a_purchase_qualifies_with_the_amount_promised_at_signup(store: Store) -> None:
    prog = program(PURCHASE)
    alice, bob = await person(store, "alice"), await person(store, "bob")
    signup = await join(store, prog, alice, bob, at=NOW)  # Nov 23: $25 in force
    assert signup.referral is not None and not signup.news
    assert await status_of(store, signup.referral.id) == "signed_up"
    assert not await buy(store, prog, bob, "49.99", at=NOW + DAY)  # below the minimum
    assert not await buy(store, prog, bob, None, at=NOW + DAY)  # no amount, and one is needed
    later = NOW + 10 * DAY  # Dec 3: $15 in force, but bob signed up before the change
    news = await buy(store, prog, bob, "50", at=later)
    assert [(r.amount, r.rule_version, r.hold_until) for r in news.granted] == [
        (Decimal(25), 0, later + 7 * DAY)
    ]
    assert not await buy(store, prog, bob, "500", at=later)  # a second purchase pays nothing
    assert await status_of(store, signup.referral.id) == "qualified"


async def test_purchase_in_a_signup_program_and_purchase_by_a_stranger_do_nothing(
    store: Store,
) -> None:
    prog = program()
    alice, bob = await person(store, "alice"), await person(store, "bob")
    await join(store, prog, alice, bob)
    assert not await buy(store, prog, bob, "100")
    assert not await buy(store, program(PURCHASE), alice, "100")  # alice was referred by nobody


async def test_milestones_are_reached_once_and_undone_by_a_refund_in_hold(store: Store) -> None:
    prog = program(TIERS)
    alice = await person(store, "alice")
    friends = [await person(store, f"f{i}") for i in range(4)]
    reached = []
    for i, friend in enumerate(friends):
        signup = await join(store, prog, alice, friend, at=NOW + i * DAY)
        reached.append([r.label for r in signup.news.milestones])
    assert reached == [[], ['{"en": "a mug"}'], ['{"en": "a jacket"}'], []]
    perks = [r for r in await ledger(store, alice) if r.kind == "milestone"]
    assert [r.status for r in perks] == ["approved", "approved"]  # no hold in this program


async def test_a_pending_milestone_is_voided_when_a_refund_takes_the_count_below(
    store: Store,
) -> None:
    prog = program(TIERS, hold_days=7)
    alice = await person(store, "alice")
    friends = [await person(store, f"f{i}") for i in range(2)]
    for friend in friends:
        await join(store, prog, alice, friend)
    news = await refund(store, prog, friends[0], at=NOW + DAY)
    assert sorted(r.kind for r in news.voided) == ["milestone", "referral"]
    third = await person(store, "f2")
    again = await join(store, prog, alice, third, at=NOW + 2 * DAY)
    assert not again.news.milestones  # reached once: a voided milestone is not given again


async def test_a_cap_cuts_the_last_grant_and_voids_the_rest(store: Store) -> None:
    prog = program(
        """
        [program]
        hold_days = 0
        [[rewards]]
        id = "space"
        side = "referrer"
        unit = "storage"
        amounts = [{ amount = 400 }]
        cap = 1000
        [[rewards]]
        id = "friend-space"
        side = "friend"
        unit = "storage"
        amounts = [{ amount = 400 }]
        """
    )
    alice = await person(store, "alice")
    capped_at = []
    for i in range(4):
        friend = await person(store, f"f{i}")
        signup = await join(store, prog, alice, friend)
        capped_at.append(bool(signup.news.capped))
        assert [r.amount for r in signup.news.granted_to(friend.id)] == [Decimal(400)]
    assert capped_at == [False, False, True, True]
    mine = await ledger(store, alice)
    assert [(r.amount, r.status, r.reason) for r in mine] == [
        (Decimal(400), "approved", None),
        (Decimal(400), "approved", None),
        (Decimal(200), "approved", None),
        (Decimal(400), "voided", "cap_reached"),
    ]
    async with store.transaction() as tx:
        assert await tx.rewards.totals.of(alice.id, "space") == Decimal(1000)
