"""The dispatcher's delivery rules: STOP wins at send time, permanent failures are never retried,
transient ones back off until the row is dead, leases make a crash lose nothing, and a send a
crash cut off is an uncertain one."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

import pytest

from bot.core.channel import DeliveryFailed, Sent
from bot.core.clock import FakeClock, SystemClock, to_micros
from bot.core.messages import Address, Outbound
from bot.core.store import Store
from bot.core.store.pace import Booking, Claimed, Sendable
from bot.delivery.pacing import Pace, Pacer, Scope
from bot.delivery.retry_policy import RetryPolicy
from bot.delivery.sending import Sender
from bot.delivery.shared_pacing import SharedPacing
from tests.core.dispatch_rig import Rig, make_rig
from tests.fakes import CollectingChannel
from tests.referee import RefereeChannel
from tests.statements import CountingDatabase

ALICE = Address("sms", "+14155550100")
BOB = Address("sms", "+14155550101")
BOB_CHAT = Address("telegram", "200")


async def test_an_address_that_said_stop_after_the_enqueue_gets_nothing(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock)
    await rig.person(ALICE)
    thanks = await rig.enqueue(ALICE, "thanks!", kind="reply")
    confirm = await rig.enqueue(ALICE, "You're unsubscribed.", kind="optout_confirmation")
    async with store.transaction() as tx:
        await tx.participants.set_opted_out(ALICE, True)
    await rig.drain()
    assert rig.referee.to(ALICE.id) == ["You're unsubscribed."]
    row = await rig.row(thanks)
    assert (row.status, row.last_error) == ("skipped", "opted_out")
    assert (await rig.row(confirm)).status == "sent"


async def test_stop_between_the_claim_and_the_send_still_wins(
    store: Store, clock: FakeClock
) -> None:
    """Both rows are claimed and judged together; Bob says STOP while Alice's is being sent."""
    rig = make_rig(store, clock, paced=False)
    await rig.person(ALICE), await rig.person(BOB)
    await rig.enqueue(ALICE, "for alice")
    to_bob = await rig.enqueue(BOB, "for bob")
    sms = rig.channels["sms"]
    original = sms.send

    async def send_then_bob_stops(message: Outbound) -> str | None:
        async with store.transaction() as tx:
            await tx.participants.set_opted_out(BOB, True)
        return await original(message)

    sms.send = send_then_bob_stops  # type: ignore[method-assign]
    await rig.dispatcher.dispatch_due()
    assert rig.referee.to(BOB.id) == [] and rig.referee.to(ALICE.id) == ["for alice"]
    assert (await rig.row(to_bob)).status == "skipped"


async def test_replies_sent_as_their_claim_ends_go_on_its_reading_of_stop(
    store: Store, clock: FakeClock
) -> None:
    """As `serve` runs it: ten replies claimed and judged together are sent at once, with no
    read each before its send (the claim read STOP a moment ago), and recorded together."""
    counting = CountingDatabase(store.db)
    rig = make_rig(Store(counting), clock, paced=False)
    people = [Address("console", f"customer{n}") for n in range(10)]
    rows = []
    for person in people:
        await rig.person(person)
        rows.append(await rig.enqueue(person, "Your count is 3"))
    counting.tally.reset()
    running = asyncio.get_running_loop().create_task(rig.dispatcher.run(idle=0.01))
    for _ in range(5_000):  # the sends, then their recording, a few loop turns later
        if all([(await rig.row(row)).status == "sent" for row in rows]):
            break
        await asyncio.sleep(0.001)
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    assert sorted(s.message.to.id for s in rig.referee.sends) == [p.id for p in people]
    reads_before_a_send = [sql for sql in counting.tally.sql if "AND o.lease_until = ?" in sql]
    assert reads_before_a_send == []


async def test_a_send_a_pause_holds_back_reads_stop_again_before_it_goes(store: Store) -> None:
    """Claimed and judged a moment ago, Bob's message finds its scope paused by a 429 for a
    fifth of a second: it waits, and reads STOP again first, which Bob said meanwhile."""
    clock = SystemClock()
    channel = CollectingChannel("telegram")
    pacer = Pacer()
    pace = Pace((Scope("telegram", 30.0, wide=True), Scope("telegram:200", 1.0)))
    sender = Sender(
        store=store,
        channels={"telegram": channel},
        clock=clock,
        pacer=pacer,
        hold=timedelta(seconds=1),
        lease=timedelta(seconds=60),
    )
    now = clock.now()
    async with store.transaction() as tx:
        bob = await tx.participants.create(display_name="Bob", lang="en", at=now)
        await tx.participants.attach(BOB_CHAT, bob.id, at=now)
        await tx.outbox.enqueue(Outbound(BOB_CHAT, "for bob"), kind="reply", due_at=now, at=now)
        [row] = await tx.outbox.claim_due(
            now=now, reach={"telegram": None}, limit=1, lease=timedelta(seconds=60)
        )
        await tx.participants.set_opted_out(BOB_CHAT, True)  # STOP, after the claim's judging
    slot = pacer.book(pace, now)  # its slot: now, as the dispatcher booked it
    pacer.pause(pace.scopes[0], now + timedelta(milliseconds=200))  # then another send's 429
    await sender.send(row, pace, slot, to_micros(now + timedelta(seconds=60)), judged=True)
    assert channel.sent == []
    async with store.transaction() as tx:
        found = await tx.outbox.get(row.id)
    assert found is not None and (found.status, found.last_error) == ("skipped", "opted_out")


class StopBeforeTheClaim(SharedPacing):
    """Bob says STOP just before his send claims its slot: after the dispatcher judged the
    batch, before the send's last read, which the claim's statement makes."""

    async def claim(
        self, pace: Pace, earliest: datetime, horizon: timedelta, row: Sendable
    ) -> Claimed:
        async with self.store.transaction() as tx:
            await tx.participants.set_opted_out(BOB_CHAT, True)
        return await SharedPacing.claim(self, pace, earliest, horizon, row)


async def test_stop_just_before_a_shared_claim_still_wins_and_books_no_slot(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, shared=StopBeforeTheClaim(store, clock))
    await rig.person(BOB_CHAT)
    to_bob = await rig.enqueue(BOB_CHAT, "for bob")
    await rig.dispatcher.dispatch_due()
    assert rig.referee.sends == []
    row = await rig.row(to_bob)
    assert (row.status, row.last_error) == ("skipped", "opted_out")
    async with store.transaction() as tx:  # the chat's scope was never booked
        claimed = await tx.pace.claim(
            [Booking("telegram:200", 1)], earliest=to_micros(clock.now()), horizon=0
        )
    assert claimed.slot == to_micros(clock.now())


@pytest.mark.parametrize("reason", ["invalid_address", "not_found"])
async def test_a_permanent_failure_is_dead_at_once_and_never_retried(
    store: Store, clock: FakeClock, reason: str
) -> None:
    rig = make_rig(store, clock)
    rig.channels["telegram"].failures.append(DeliveryFailed(reason, permanent=True, detail="x"))
    row_id = await rig.enqueue(Address("telegram", "gone"))
    await rig.drain()
    clock.advance(timedelta(days=1))
    await rig.drain()
    row = await rig.row(row_id)
    assert (row.status, row.attempts) == ("dead", 1) and reason in (row.last_error or "")
    assert rig.referee.sends == []


@pytest.mark.parametrize(
    ("reason", "flag"), [("opted_out", "opted_out"), ("blocked", "unreachable")]
)
async def test_opted_out_or_blocked_at_the_provider_marks_the_address(
    store: Store, clock: FakeClock, reason: str, flag: str
) -> None:
    rig = make_rig(store, clock)
    to = Address("telegram", "42")
    await rig.person(to)
    rig.channels["telegram"].failures.append(DeliveryFailed(reason, permanent=True))
    row_id = await rig.enqueue(to)
    later = await rig.enqueue(to, "later", due=clock.now() + timedelta(hours=1))
    await rig.drain()
    assert (await rig.row(row_id)).status == "skipped"
    assert (await rig.row(later)).status == "skipped"  # nothing more to that address
    async with store.transaction() as tx:
        identity = await tx.participants.identity(to)
    assert identity is not None and getattr(identity, flag)
    assert rig.referee.sends == []


async def test_transient_failures_back_off_with_jitter_then_succeed(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock)
    start = clock.now()
    channel = rig.channels["slack"]
    channel.failures.extend(DeliveryFailed("transient", permanent=False) for _ in range(3))
    row_id = await rig.enqueue(Address("slack", "T1:U1"))
    await rig.dispatcher.dispatch_due()
    row = await rig.row(row_id)
    assert row.status == "scheduled" and row.attempts == 1
    assert start + timedelta(seconds=1) <= row.due_at <= start + timedelta(seconds=2)
    await rig.drain()
    row = await rig.row(row_id)
    assert (row.status, row.attempts) == ("sent", 4) and len(rig.referee.sends) == 1
    # Backoff doubles: 1-2 s, 2-4 s, 4-8 s after each failure.
    assert timedelta(seconds=7) <= rig.referee.sends[0].at - start <= timedelta(seconds=14)


async def test_an_unexpected_exception_is_retried_like_a_transient_failure(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock)
    channel = rig.channels["console"]
    original = channel.send
    calls = 0

    async def flaky(message: Outbound) -> str | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionResetError("peer went away")
        return await original(message)

    channel.send = flaky  # type: ignore[method-assign]
    row_id = await rig.enqueue(Address("console", "me"))
    await rig.drain()
    assert (await rig.row(row_id)).status == "sent" and calls == 2


async def test_after_max_attempts_the_row_is_dead_and_retry_brings_it_back(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, max_attempts=4)
    channel = rig.channels["telegram"]
    channel.failures.extend(DeliveryFailed("transient", permanent=False) for _ in range(4))
    row_id = await rig.enqueue(Address("telegram", "42"), "hello")
    await rig.drain()
    row = await rig.row(row_id)
    assert (row.status, row.attempts) == ("dead", 4) and rig.referee.sends == []
    async with store.transaction() as tx:
        assert [r.id for r in await tx.outbox.recent(status="dead")] == [row_id]
        assert await tx.outbox.retry(row_id, now=clock.now())
        assert not await tx.outbox.retry(row_id, now=clock.now())  # only dead or skipped rows
    await rig.drain()
    row = await rig.row(row_id)
    assert (row.status, row.attempts) == ("sent", 1) and rig.referee.to("42") == ["hello"]


async def crashed_mid_send(rig: Rig, row_id: int) -> datetime:
    """A dispatcher claimed the row, then its process died (kill -9) before it recorded what
    came of the send: the row is left leased, as the dead process left it. Returns when that
    lease runs out."""
    lease = timedelta(seconds=70)
    async with rig.store.transaction() as tx:
        [claimed] = await tx.outbox.claim_due(
            now=rig.clock.now(), reach={"sms": None, "telegram": None}, limit=10, lease=lease
        )
    assert claimed.id == row_id
    return rig.clock.now() + lease


LOST = "uncertain: the process sending it stopped before recording the outcome (lease ran out)"


async def test_a_send_cut_off_by_a_crash_is_uncertain_and_sent_again_once_when_its_lease_runs_out(
    store: Store, clock: FakeClock
) -> None:
    # Telegram cannot be asked what it took: waiting longer would repeat the send no less
    # often, and would keep the answer from the person for ten more minutes.
    rig = make_rig(store, clock, paced=False)
    row_id = await rig.enqueue(BOB_CHAT, "Your link: https://ref.example/r/K7")
    ran_out = await crashed_mid_send(rig, row_id)
    await rig.dispatcher.dispatch_due()
    assert rig.referee.sends == []  # still leased: maybe it is being sent right now
    clock.set(ran_out + timedelta(seconds=1))
    await rig.dispatcher.dispatch_due()
    assert rig.referee.to(BOB_CHAT.id) == ["Your link: https://ref.example/r/K7"]
    row = await rig.row(row_id)
    assert (row.status, row.uncertain, row.attempts) == ("sent", 1, 2)
    async with store.transaction() as tx:
        history = await tx.outbox.history(row_id)
    assert history == [(ran_out, "uncertain", LOST)]


class TraceableChannel(RefereeChannel):
    """A provider that can be asked what it took (as Twilio can): this one never had it."""

    async def find_sent(self, message: Outbound, *, since: datetime) -> Sent | None:
        return None


async def test_a_crash_cut_send_waits_to_be_looked_up_where_the_provider_can_say(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, paced=False)
    rig.dispatcher._sender._channels["sms"] = TraceableChannel("sms", rig.referee)
    row_id = await rig.enqueue(ALICE, "once")
    ran_out = await crashed_mid_send(rig, row_id)
    clock.set(ran_out + timedelta(seconds=1))
    await rig.dispatcher.dispatch_due()
    assert rig.referee.sends == []  # it may have reached Alice: not before it can be looked up
    row = await rig.row(row_id)
    wait = RetryPolicy().uncertain_wait
    assert (row.status, row.uncertain, row.due_at) == ("scheduled", 1, ran_out + wait)
    async with store.transaction() as tx:
        assert await tx.outbox.history(row_id) == [(ran_out, "uncertain", LOST)]
    clock.set(ran_out + wait)
    await rig.drain()
    assert rig.referee.to(ALICE.id) == ["once"]
    row = await rig.row(row_id)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_a_send_cut_off_by_a_crash_again_after_its_one_retry_is_dead_with_why(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, paced=False)
    row_id = await rig.enqueue(BOB_CHAT, "once")
    for _ in range(2):  # each time a process claims it when due, and dies sending it
        ran_out = await crashed_mid_send(rig, row_id)
        clock.set(ran_out + timedelta(seconds=1))
        async with store.transaction() as tx:  # the restarted dispatcher settles the lapse
            for row, lapsed_at in await tx.outbox.lapsed(
                now=clock.now(), reach={"telegram": None}, limit=10
            ):
                await rig.dispatcher._sender.lapsed(tx, row, lapsed_at)
    assert rig.referee.sends == []
    row = await rig.row(row_id)
    assert row.status == "dead"
    assert (row.last_error or "").startswith("outcome unknown 2 times, not sent again")
    async with store.transaction() as tx:
        history = await tx.outbox.history(row_id)
    assert [event for _, event, _ in history] == ["uncertain", "uncertain", "dead"]


async def test_a_claim_that_ran_out_cannot_be_sent_by_its_old_owner(
    store: Store, clock: FakeClock
) -> None:
    """A stalled dispatcher must not send a row another one has since claimed."""
    rig = make_rig(store, clock, paced=False)
    await rig.enqueue(ALICE, "once")
    lease = timedelta(seconds=10)
    async with store.transaction() as tx:
        [stale] = await tx.outbox.claim_due(
            now=clock.now(), reach={"sms": None}, limit=1, lease=lease
        )
    token = to_micros(clock.now() + lease)
    clock.advance(timedelta(seconds=11))
    await rig.dispatcher.dispatch_due()  # the claim ran out: another dispatcher takes it over
    assert rig.referee.to(ALICE.id) == ["once"]  # and sends it (no provider to ask first)
    sender = Sender(
        store=store,
        channels=rig.channels,
        clock=clock,
        pacer=None,
        hold=timedelta(0),
        lease=timedelta(seconds=60),
        max_attempts=8,
    )
    await sender.send(stale, Pace(), None, token)  # the stalled one wakes up
    await rig.drain()
    assert rig.referee.to(ALICE.id) == ["once"]


async def test_the_same_cause_enqueues_once(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock)
    await rig.enqueue(ALICE, "thanks", kind="thanks", key="thanks:7")
    with pytest.raises(AssertionError):
        await rig.enqueue(ALICE, "thanks", kind="thanks", key="thanks:7")


async def test_a_thank_you_waiting_for_a_slot_does_not_wake_the_dispatcher_at_once(
    store: Store, clock: FakeClock
) -> None:
    """Answers have booked Telegram's next two thirds of a second; Ann's thank-you, due a
    minute ago, waits until the channel frees within a slot (answers first). The dispatcher
    wakes then: woken for the thank-you now, its pass would claim only answers, none, and the
    loop would turn again at once, thousands of times a second, for as long as answers come."""
    from bot.core.program import Program
    from bot.delivery.dispatcher import Dispatcher
    from bot.delivery.pacing import wide_scopes

    pacing = Program().pacing
    dispatcher = Dispatcher(
        store=store,
        channels={"telegram": CollectingChannel("telegram")},
        clock=clock,
        pacing=pacing,
        hold=timedelta(seconds=1),
    )
    ann = Address("telegram", "100")
    now = clock.now()
    async with store.transaction() as tx:
        await tx.outbox.enqueue(
            Outbound(ann, "Thanks, Ann: Bob joined!"),
            kind="thanks",
            due_at=now - timedelta(minutes=1),
            at=now,
        )
    wide = Pace((wide_scopes(pacing)["telegram"],))
    assert dispatcher._pacer is not None
    for _ in range(20):  # twenty answers on their way, 1/30 s apart
        dispatcher._pacer.book(wide, now)
    frees = dispatcher._pacer.free_at(wide.scopes[0], now)
    assert frees > now + timedelta(milliseconds=600)

    wake = await dispatcher.next_wake()

    assert wake is not None and wake > now
    assert wake >= frees - timedelta(seconds=1 / pacing.telegram_per_second)
