"""Two dispatchers on one database, each with its own in-process pacer, against one strict
referee: with the pace claimed in the database (bot/delivery/shared_pacing.py) their sends
together keep every provider limit, and a 429 one of them sees pauses the other."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.core.channel import DeliveryFailed
from bot.core.clock import FakeClock, to_micros
from bot.core.messages import Address, Outbound
from bot.core.program import Program
from bot.core.store import Store
from bot.core.store.database import open_database
from bot.core.store.migrate import upgrade
from bot.core.store.pace import Claimed, Sendable, Wanted
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.pacing import Pace, Scope
from bot.delivery.shared_pacing import SharedPacing
from tests.referee import Limits, Referee, RefereeChannel
from tests.statements import CountingDatabase

CHANNELS = ("sms", "telegram", "slack")


def dispatchers(
    store: Store, clock: FakeClock, referee: Referee, *, shared: bool
) -> tuple[list[Dispatcher], dict[str, RefereeChannel]]:
    channels = {name: RefereeChannel(name, referee) for name in CHANNELS}
    made = [
        Dispatcher(
            store=store,
            channels=channels,
            clock=clock,
            pacing=Program().pacing,
            hold=timedelta(0),
            shared=SharedPacing(store, clock) if shared else None,
        )
        for _ in range(2)
    ]
    return made, channels


async def enqueue(store: Store, clock: FakeClock, to: Address, text: str) -> None:
    async with store.transaction() as tx:
        await tx.outbox.enqueue(
            Outbound(to, text), kind="reply", due_at=clock.now(), at=clock.now()
        )


async def drain(clock: FakeClock, both: list[Dispatcher], *, steps: int = 10_000) -> None:
    """Each dispatcher in turn, then the clock to the next moment either has work."""
    for _ in range(steps):
        for dispatcher in both:
            await dispatcher.dispatch_due()
        wakes = [w for w in [await d.next_wake() for d in both] if w is not None]
        if not wakes:
            return
        clock.set(max(clock.now(), min(wakes)))
    raise AssertionError("the outbox did not drain")


async def a_burst(store: Store, clock: FakeClock) -> list[str]:
    texts = []
    for i in range(12):  # three Telegram chats, a Slack channel, the SMS sender
        for to in (
            Address("telegram", str(i % 3)),
            Address("slack", "T1:C1"),
            Address("sms", "+14155550100"),
        ):
            text = f"{to.channel} message {i}"
            await enqueue(store, clock, to, text)
            texts.append(text)
    return texts


async def test_two_dispatchers_sharing_the_pace_keep_every_limit_and_send_each_message_once(
    store: Store, clock: FakeClock
) -> None:
    referee = Referee(clock, Limits())
    both, _ = dispatchers(store, clock, referee, shared=True)
    texts = await a_burst(store, clock)
    start = clock.now()
    await drain(clock, both)
    assert referee.violations == []
    assert sorted(s.message.text for s in referee.sends) == sorted(texts)
    # At the limit, not below it: 12 SMS at 1/s take 11 s.
    assert referee.times("twilio-sender")[-1] - start < timedelta(seconds=11.5)


async def test_without_sharing_the_same_two_dispatchers_break_the_limits(
    store: Store, clock: FakeClock
) -> None:
    """What the shared pace is for: each process pacing on its own doubles the rate."""
    referee = Referee(clock, Limits())
    both, _ = dispatchers(store, clock, referee, shared=False)
    await a_burst(store, clock)
    await drain(clock, both)
    assert any(v.startswith("twilio-sender: 0.000 ms") for v in referee.violations)


async def test_a_429_one_dispatcher_sees_pauses_the_scope_for_the_other(
    store: Store, clock: FakeClock
) -> None:
    referee = Referee(clock, Limits())
    (first, second), channels = dispatchers(store, clock, referee, shared=True)
    start = clock.now()
    refusal = DeliveryFailed("rate_limited", permanent=False, retry_after=5.0, wide=True)
    channels["telegram"].failures.append(refusal)
    await enqueue(store, clock, Address("telegram", "1"), "to chat 1")
    await first.dispatch_due()  # Telegram said: the whole bot waits 5 s
    assert referee.sends == []
    await enqueue(store, clock, Address("telegram", "2"), "to chat 2")
    await drain(clock, [second, first])
    assert referee.violations == []
    sent = {s.message.text: s.at - start for s in referee.sends}
    assert sent.keys() == {"to chat 1", "to chat 2"}
    assert min(sent.values()) >= timedelta(seconds=5)


class SlowAfterClaim(SharedPacing):
    """The process's event loop comes round `late` after its first claim (a busy machine)."""

    late = timedelta(milliseconds=30)

    async def claim(
        self, pace: Pace, earliest: datetime, horizon: timedelta, row: Sendable
    ) -> Claimed:
        claimed = await SharedPacing.claim(self, pace, earliest, horizon, row)
        assert isinstance(self.clock, FakeClock)
        self.clock.advance(self.late)
        self.late = timedelta(0)
        return claimed


async def test_a_send_that_would_start_late_takes_a_fresh_slot_instead_of_crowding_the_next(
    store: Store, clock: FakeClock
) -> None:
    referee = Referee(clock, Limits())
    channels = {name: RefereeChannel(name, referee) for name in CHANNELS}
    late, on_time = (
        Dispatcher(
            store=store,
            channels=channels,
            clock=clock,
            pacing=Program().pacing,
            shared=shared,
        )
        for shared in (SlowAfterClaim(store, clock), SharedPacing(store, clock))
    )
    await enqueue(store, clock, Address("telegram", "1"), "to chat 1")
    await late.dispatch_due()  # claimed the first slot, then came round 30 ms after it
    await enqueue(store, clock, Address("telegram", "2"), "to chat 2")
    await drain(clock, [on_time, late])
    assert referee.violations == []
    assert sorted(s.message.text for s in referee.sends) == ["to chat 1", "to chat 2"]


def a_chat_pace(chat: int) -> Pace:
    return Pace(scopes=(Scope("telegram", 30.0, wide=True), Scope(f"telegram:{chat}", 1.0)))


async def claimed_sends(store: Store, clock: FakeClock, count: int) -> list[Sendable]:
    lease = timedelta(seconds=60)
    for i in range(count):
        await enqueue(store, clock, Address("telegram", str(i)), f"to chat {i}")
    async with store.transaction() as tx:
        rows = await tx.outbox.claim_due(
            now=clock.now(), reach={"telegram": None}, limit=count, lease=lease
        )
    return [Sendable(r.id, to_micros(clock.now() + lease), heeds_stop=True) for r in rows]


async def test_claims_made_at_once_are_decided_together_each_in_its_own_slot(
    database_url: str, clock: FakeClock
) -> None:
    """A burst's sends claim at the same moment: the first alone, at once; the ones that came
    meanwhile in one transaction, in turn, as if each had claimed alone."""
    counting = CountingDatabase(await open_database(database_url))
    store = Store(counting)
    await upgrade(counting)
    try:
        rows = await claimed_sends(store, clock, 20)
        shared = SharedPacing(store, clock)
        counting.tally.reset()
        claimed = await asyncio.gather(
            *(
                shared.claim(a_chat_pace(i), clock.now(), timedelta(seconds=60), row)
                for i, row in enumerate(rows)
            )
        )
        assert all(c.booked for c in claimed)
        pace = a_chat_pace(0)
        gap = pace.busy_for(pace.scopes[0]) // timedelta(microseconds=1)  # 1/30 s
        slots = [c.slot for c in claimed]  # in the order they came
        assert slots == [to_micros(clock.now()) + i * gap for i in range(20)]
        assert counting.tally.commits <= 2  # the first claim alone, then the 19 together
    finally:
        await store.close()


class FailingTogether(SharedPacing):
    async def _claim_together(self, many: list[Wanted], horizon: int) -> list[Claimed]:
        raise ConnectionResetError("the database went away mid-batch")


async def test_a_batch_that_fails_is_claimed_one_by_one(store: Store, clock: FakeClock) -> None:
    rows = await claimed_sends(store, clock, 5)
    shared = FailingTogether(store, clock)
    claimed = await asyncio.gather(
        *(
            shared.claim(a_chat_pace(i), clock.now(), timedelta(seconds=60), row)
            for i, row in enumerate(rows)
        )
    )
    assert all(c.booked for c in claimed)
    assert len({c.slot for c in claimed}) == 5
