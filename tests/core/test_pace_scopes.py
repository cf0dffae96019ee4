"""The pace book in the database (bot/core/store/pace.py), on SQLite and PostgreSQL: a claim
starts at the latest of now, each scope's next free moment and pause, and books the scopes."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

from bot.core.clock import from_micros, to_micros
from bot.core.messages import Address, Outbound
from bot.core.store import Store
from bot.core.store.outbox import Reachable
from bot.core.store.pace import Booking, Claimed, LateStart, Sendable, Wanted

SECOND = 1_000_000
CHAT = Address("telegram", "1")
T0 = 1_800_000_000 * SECOND  # some moment, in UTC microseconds
BOT = Booking("telegram", SECOND // 30)
CHAT_1 = Booking("telegram:1", SECOND)
CHAT_2 = Booking("telegram:2", SECOND)


async def claim(store: Store, *bookings: Booking, at: int, horizon: int = 2 * SECOND) -> int:
    async with store.transaction() as tx:
        claimed = await tx.pace.claim(bookings, earliest=at, horizon=horizon)
    return claimed.slot if claimed.booked else -claimed.slot


async def test_the_first_send_in_a_scope_goes_at_once_and_books_it(store: Store) -> None:
    assert await claim(store, BOT, CHAT_1, at=T0) == T0
    assert await claim(store, BOT, CHAT_2, at=T0) == T0 + SECOND // 30  # the bot scope is busy
    assert await claim(store, BOT, CHAT_1, at=T0) == T0 + SECOND  # chat 1 is busy for a second


async def test_a_slot_beyond_the_horizon_is_told_but_not_booked(store: Store) -> None:
    await claim(store, BOT, CHAT_1, at=T0)
    assert await claim(store, BOT, CHAT_1, at=T0, horizon=SECOND // 2) == -(T0 + SECOND)
    # Nothing was booked for it: the bot scope is still free after the first send only.
    assert await claim(store, BOT, CHAT_2, at=T0) == T0 + SECOND // 30


async def test_a_scope_free_again_starts_at_now(store: Store) -> None:
    await claim(store, BOT, CHAT_1, at=T0)
    assert await claim(store, BOT, CHAT_1, at=T0 + 5 * SECOND) == T0 + 5 * SECOND


async def test_a_pause_holds_every_send_in_the_scope_until_it_ends(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.pace.pause("telegram", until=T0 + 7 * SECOND)
        await tx.pace.pause("telegram", until=T0 + 3 * SECOND)  # a shorter pause shortens nothing
    assert await claim(store, BOT, CHAT_1, at=T0, horizon=60 * SECOND) == T0 + 7 * SECOND
    async with store.transaction() as tx:  # the next goes after that one, in the bot scope
        claimed = await tx.pace.claim([CHAT_2, BOT], earliest=T0, horizon=60 * SECOND)
    slot = T0 + 7 * SECOND + SECOND // 30
    assert claimed.slot == slot
    assert claimed.free == {"telegram": slot + SECOND // 30, "telegram:2": slot + SECOND}


async def test_concurrent_claims_get_distinct_slots(store: Store) -> None:
    """Claims racing from many tasks (on PostgreSQL: many connections) never share a slot."""
    slots = await asyncio.gather(
        *(claim(store, BOT, at=T0, horizon=60 * SECOND) for _ in range(20))
    )
    assert sorted(slots) == [T0 + i * (SECOND // 30) for i in range(20)]


async def test_concurrent_first_sends_to_a_new_chat_never_overlap(store: Store) -> None:
    """Every claim finds the chat's scope missing and races to make it (PostgreSQL: one
    statement each, on many connections); one wins, the others claim again."""
    await claim(store, BOT, at=T0)  # the bot's scope exists, the chat's does not
    slots = sorted(
        await asyncio.gather(
            *(claim(store, BOT, CHAT_1, at=T0, horizon=60 * SECOND) for _ in range(8))
        )
    )
    assert all(slot > 0 for slot in slots)  # all booked
    assert all(b - a >= SECOND for a, b in itertools.pairwise(slots))  # the chat's limit


async def test_idle_scopes_are_pruned_and_busy_ones_kept(store: Store) -> None:
    await claim(store, BOT, CHAT_1, at=T0)
    await claim(store, CHAT_2, at=T0 + 100 * SECOND)
    async with store.transaction() as tx:
        assert await tx.pace.prune(before=T0 + 50 * SECOND) == 2  # telegram and telegram:1
    assert await claim(store, CHAT_2, at=T0 + 100 * SECOND) == T0 + 101 * SECOND


async def claim_by(store: Store, who: str, *bookings: Booking, at: int) -> int:
    async with store.transaction() as tx:
        claimed = await tx.pace.claim(bookings, earliest=at, horizon=2 * SECOND, by=who)
    assert claimed.booked
    return claimed.slot


async def start_late(store: Store, who: str, slot: int, now: int, *bookings: Booking) -> bool:
    async with store.transaction() as tx:
        return await tx.pace.start_late(bookings, slot=slot, now=now, by=who)


async def test_a_late_send_nobody_claimed_after_goes_and_holds_its_scope_from_its_real_start(
    store: Store,
) -> None:
    slot = await claim_by(store, "A", BOT, CHAT_1, at=T0)
    late = T0 + 20_000  # 20 ms after its slot
    assert await start_late(store, "A", slot, late, BOT, CHAT_1)
    # The next claim, by anyone, follows the real start, not the slot.
    assert await claim_by(store, "B", BOT, CHAT_2, at=T0) == late + SECOND // 30


async def test_a_late_send_another_process_claimed_after_must_claim_again(store: Store) -> None:
    slot = await claim_by(store, "A", BOT, CHAT_1, at=T0)
    await claim_by(store, "B", BOT, CHAT_2, at=T0)  # B's send is due 33 ms after A's slot
    assert not await start_late(store, "A", slot, T0 + 20_000, BOT, CHAT_1)


async def test_a_late_send_followed_only_by_its_own_process_goes(store: Store) -> None:
    """Its own next send waits for it in this process's pacer, and checks in its turn."""
    slot = await claim_by(store, "A", BOT, CHAT_1, at=T0)
    await claim_by(store, "A", BOT, CHAT_2, at=T0)
    assert await start_late(store, "A", slot, T0 + 20_000, BOT, CHAT_1)


async def claimed_row(store: Store, *, kind: str = "reply") -> tuple[int, int]:
    """An outbox row to chat 1, claimed for sending: (its id, its claim's lease)."""
    now = from_micros(T0)
    lease = timedelta(seconds=60)
    async with store.transaction() as tx:
        row_id = await tx.outbox.enqueue(Outbound(CHAT, "hi"), kind=kind, due_at=now, at=now)
        [row] = await tx.outbox.claim_due(now=now, reach={"telegram": None}, limit=1, lease=lease)
    assert row.id == row_id
    return row_id, to_micros(now + lease)


async def claim_for(store: Store, row: Sendable) -> Claimed:
    async with store.transaction() as tx:
        return await tx.pace.claim([BOT, CHAT_1], earliest=T0, horizon=2 * SECOND, row=row)


async def test_a_claim_checks_its_row_in_the_same_statement_and_books_for_it(
    store: Store,
) -> None:
    row_id, lease = await claimed_row(store)
    claimed = await claim_for(store, Sendable(row_id, lease, heeds_stop=True))
    assert (claimed.slot, claimed.booked, claimed.row) == (T0, True, Reachable(False, False))
    assert await claim(store, BOT, CHAT_2, at=T0) == T0 + SECOND // 30  # it was booked


async def test_a_claim_for_a_row_no_longer_ours_books_nothing(store: Store) -> None:
    row_id, lease = await claimed_row(store)
    claimed = await claim_for(store, Sendable(row_id, lease + 1, heeds_stop=True))  # retaken
    assert (claimed.booked, claimed.row) == (False, None)
    assert await claim(store, BOT, CHAT_1, at=T0) == T0  # nothing was booked


async def test_a_claim_for_a_row_whose_address_said_stop_books_nothing(store: Store) -> None:
    row_id, lease = await claimed_row(store)
    async with store.transaction() as tx:
        person = await tx.participants.create(display_name="A", lang="en", at=from_micros(T0))
        await tx.participants.attach(CHAT, person.id, at=from_micros(T0))
        await tx.participants.set_opted_out(CHAT, True, at=from_micros(T0))
    stopped = await claim_for(store, Sendable(row_id, lease, heeds_stop=True))
    assert (stopped.booked, stopped.row) == (False, Reachable(True, False))
    assert await claim(store, BOT, CHAT_2, at=T0) == T0  # nothing was booked
    # The STOP's own confirmation goes past it.
    confirmed = await claim_for(store, Sendable(row_id, lease, heeds_stop=False))
    assert (confirmed.booked, confirmed.row) == (True, Reachable(True, False))


async def claimed_rows(store: Store, count: int) -> list[Sendable]:
    """`count` outbox rows to chat 1, claimed for sending together, as a dispatcher's pass."""
    now = from_micros(T0)
    lease = timedelta(seconds=60)
    async with store.transaction() as tx:
        for i in range(count):
            await tx.outbox.enqueue(Outbound(CHAT, f"hi {i}"), kind="reply", due_at=now, at=now)
        rows = await tx.outbox.claim_due(
            now=now, reach={"telegram": None}, limit=count, lease=lease
        )
    return [Sendable(row.id, to_micros(now + lease), heeds_stop=True) for row in rows]


async def claim_each(
    store: Store, *wanted: tuple[tuple[Booking, ...], Sendable], horizon: int = 2 * SECOND
) -> list[Claimed]:
    async with store.transaction() as tx:
        return await tx.pace.claim_each(
            [Wanted(bookings, T0, row) for bookings, row in wanted], horizon=horizon, by="A"
        )


async def test_a_batch_of_claims_decides_each_as_its_own_claim_would_in_turn(
    store: Store,
) -> None:
    first, second, third, gone = await claimed_rows(store, 4)
    retaken = Sendable(gone.row_id, gone.lease + 1, heeds_stop=True)
    claimed = await claim_each(
        store,
        ((BOT, CHAT_1), first),
        ((BOT, CHAT_2), second),  # a new chat: its scope is made by the batch
        ((BOT, CHAT_1), third),  # chat 1 is busy for a second: beyond the horizon
        ((BOT,), retaken),  # no longer ours: nothing booked
        horizon=SECOND // 2,
    )
    assert [(c.slot, c.booked) for c in claimed] == [
        (T0, True),
        (T0 + SECOND // 30, True),
        (T0 + SECOND, False),
        (T0, False),
    ]
    assert claimed[0].row == Reachable(False, False)
    after_two = T0 + 2 * (SECOND // 30)
    assert claimed[1].free == {"telegram": after_two, "telegram:2": T0 + SECOND // 30 + SECOND}
    assert claimed[3].row is None
    # What the batch booked, and only that, holds for the claims after it.
    assert await claim(store, BOT, at=T0) == after_two
    assert await claim(store, CHAT_2, at=T0) == T0 + SECOND // 30 + SECOND


async def test_a_batch_books_nothing_for_a_row_whose_address_said_stop(store: Store) -> None:
    stopped, after = await claimed_rows(store, 2)
    async with store.transaction() as tx:
        person = await tx.participants.create(display_name="A", lang="en", at=from_micros(T0))
        await tx.participants.attach(CHAT, person.id, at=from_micros(T0))
        await tx.participants.set_opted_out(CHAT, True, at=from_micros(T0))
    confirmation = Sendable(after.row_id, after.lease, heeds_stop=False)
    claimed = await claim_each(store, ((BOT, CHAT_1), stopped), ((BOT, CHAT_1), confirmation))
    assert [(c.slot, c.booked, c.row) for c in claimed] == [
        (T0, False, Reachable(True, False)),
        (T0, True, Reachable(True, False)),  # the STOP's own confirmation goes past it
    ]


async def test_batches_racing_with_single_claims_never_share_a_slot(store: Store) -> None:
    """On PostgreSQL each batch and each claim is a transaction on a connection of its own, as
    the dispatchers of several processes would be; the chat's scope is new to all of them."""
    rows = await claimed_rows(store, 24)
    batches = [rows[i : i + 4] for i in range(0, 16, 4)]
    singles = rows[16:]

    async def single(row: Sendable) -> list[Claimed]:
        async with store.transaction() as tx:
            one = await tx.pace.claim(
                [BOT, CHAT_1], earliest=T0, horizon=60 * SECOND, by="B", row=row
            )
        return [one]

    got = await asyncio.gather(
        *(
            claim_each(store, *(((BOT, CHAT_1), row) for row in batch), horizon=60 * SECOND)
            for batch in batches
        ),
        *(single(row) for row in singles),
    )
    slots = sorted(c.slot for claimed in got for c in claimed)
    assert all(c.booked for claimed in got for c in claimed)
    assert len(slots) == 24
    assert all(b - a >= SECOND for a, b in itertools.pairwise(slots))  # the chat's limit


async def test_late_starts_asked_together_are_decided_in_turn(store: Store) -> None:
    first = await claim_by(store, "A", BOT, CHAT_1, at=T0)
    second = await claim_by(store, "A", CHAT_2, at=T0)
    await claim_by(store, "B", CHAT_2, at=T0)  # another process claimed after it in chat 2
    async with store.transaction() as tx:
        verdicts = await tx.pace.start_late_each(
            [
                LateStart((BOT, CHAT_1), first, T0 + 20_000),
                LateStart((CHAT_2,), second, T0 + 20_000),
            ],
            by="A",
        )
    assert verdicts == [True, False]  # nobody claimed after the first; B after the second
    # The first one's scopes are held from its real start.
    assert await claim_by(store, "C", BOT, at=T0) == T0 + 20_000 + SECOND // 30
