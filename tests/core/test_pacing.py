"""Pacing: exact schedules per scope, no initial burst, one busy scope never holds up another,
a 429 pauses its scope. The referee fails any send that comes too soon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.clock import FakeClock
from bot.core.messages import Address, Button, Outbound
from bot.core.program import Pacing, Program
from bot.core.store import Store
from bot.delivery.pacing import Pace, Pacer, Scope, pace_of
from tests.core.dispatch_rig import make_rig

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def seconds(times: list[datetime], start: datetime) -> list[float]:
    return [round((t - start).total_seconds(), 6) for t in times]


# The pacer on its own ---------------------------------------------------------------------------


def test_first_message_at_once_then_strictly_one_interval_apart() -> None:
    pacer, sms = Pacer(), Pace((Scope("sms", 1.0, wide=True),))
    slots = [pacer.book(sms, T0) for _ in range(4)]
    assert seconds(slots, T0) == [0, 1, 2, 3]  # no burst: the 2nd waits a full second


def test_a_long_sms_keeps_its_sender_busy_for_each_segment() -> None:
    pacer, scope = Pacer(), Scope("sms", 1.0, wide=True)
    first = pacer.book(Pace((scope,), cost=3), T0)
    second = pacer.book(Pace((scope,), cost=1), T0)
    assert seconds([first, second], T0) == [0, 3]


def test_a_free_chat_takes_the_gap_a_busy_chat_leaves_in_the_shared_scope() -> None:
    pacer = Pacer()
    overall = Scope("telegram", 30.0, wide=True)

    def chat(n: str) -> Pace:
        return Pace((overall, Scope(f"telegram:{n}", 1.0)))

    a1, a2, b1 = pacer.book(chat("a"), T0), pacer.book(chat("a"), T0), pacer.book(chat("b"), T0)
    assert seconds([a1, a2, b1], T0) == [0, 1, 0.033334]  # b does not queue behind a's second


def test_a_real_send_that_is_late_pushes_the_next_one_back() -> None:
    pacer, pace = Pacer(), Pace((Scope("sms", 1.0, wide=True),))
    first, second = pacer.book(pace, T0), pacer.book(pace, T0)
    pacer.sent(pace, first, T0 + timedelta(milliseconds=300))  # the first left 300 ms late
    assert pacer.ready_at(pace, second, second) == T0 + timedelta(milliseconds=1300)


def test_sends_keep_their_booked_order_so_a_late_one_is_not_overtaken() -> None:
    pacer, pace = Pacer(), Pace((Scope("sms", 10.0, wide=True),))
    first, second = pacer.book(pace, T0), pacer.book(pace, T0)
    late = second + timedelta(milliseconds=5)
    assert pacer.ready_at(pace, second, late) is None  # the first has not gone yet
    assert pacer.ready_at(pace, first, late) == late
    pacer.sent(pace, first, late)
    assert pacer.ready_at(pace, second, late) == late + timedelta(milliseconds=100)


def test_a_send_with_its_slot_claimed_in_the_database_keeps_the_databases_order() -> None:
    """An earlier booking that has not claimed yet will claim after it: no wait for that one,
    only for a send just started to reach the wire, and the scope is busy from then."""
    ms = timedelta(milliseconds=1)
    pacer, pace = Pacer(), Pace((Scope("telegram", 1000.0, wide=True),))  # 1 ms a send
    first, second = pacer.book(pace, T0), pacer.book(pace, T0)
    claimed = second  # the database gave the second its slot; the first is still claiming
    assert pacer.ready_at(pace, second, second) is None  # unclaimed: the booked order
    assert pacer.ready_at(pace, second, second, claimed) == second
    pacer.writing(pace)  # the second starts, its request not on the wire yet
    pacer.sent(pace, second, second)
    assert pacer.ready_at(pace, first, second + 5 * ms, second) is None
    pacer.written(pace, second + 7 * ms)  # a busy loop wrote it 7 ms later
    assert pacer.ready_at(pace, first, second + 7 * ms, second) == second + 8 * ms


def test_a_pause_holds_its_scope_only() -> None:
    pacer = Pacer()
    overall = Scope("telegram", 30.0, wide=True)
    a, b = Pace((overall, Scope("telegram:a", 1.0))), Pace((overall, Scope("telegram:b", 1.0)))
    pacer.pause(Scope("telegram:a", 1.0), T0 + 5 * S)
    assert pacer.book(a, T0) == T0 + 5 * S
    assert pacer.book(b, T0) == T0


def test_scopes_follow_each_provider() -> None:
    limits = Pacing(sms_segments_per_second=3)
    sms = pace_of(Outbound(Address("sms", "+14155550100"), "x"), segments=2, limits=limits)
    assert [s.key for s in sms.scopes] == ["sms"] and sms.cost == 2
    tg = pace_of(Outbound(Address("telegram", "42"), "x"), segments=1, limits=limits)
    assert [s.key for s in tg.scopes] == ["telegram", "telegram:42"]
    thread = Outbound(Address("slack", "T1:U1"), "x", reply_to="C9")
    assert [s.key for s in pace_of(thread, segments=1, limits=limits).scopes] == ["slack:C9"]
    dm = Outbound(Address("slack", "T1:U1"), "x")
    assert [s.key for s in pace_of(dm, segments=1, limits=limits).scopes] == ["slack:U1"]
    assert pace_of(Outbound(Address("console", "me"), "x"), segments=1, limits=limits).scopes == ()


# Through the dispatcher, against the referee -----------------------------------------------------


async def test_sms_leave_one_segment_a_second_from_the_first_instant(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock)
    start = clock.now()
    for i in range(5):
        await rig.enqueue(Address("sms", f"+1415555010{i}"), f"hello {i}")
    await rig.drain()
    assert seconds(rig.referee.times("twilio-sender"), start) == [0, 1, 2, 3, 4]
    assert rig.referee.violations == []
    assert [(await rig.row(i)).attempts for i in range(1, 6)] == [1] * 5  # waiting cost nothing


async def test_sms_segments_count_what_the_channel_sends_buttons_included(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock)
    start = clock.now()
    to = Address("sms", "+14155550100")
    await rig.enqueue(to, "x" * 150, buttons=(Button("My link", "LINK"),))  # 150 + suffix: 2
    await rig.enqueue(to, "안녕하세요 " * 12)  # UCS-2, 72 units: 2 segments
    await rig.enqueue(to, "short")
    await rig.drain()
    assert seconds(rig.referee.times("twilio-sender"), start) == [0, 2, 4]
    assert rig.referee.violations == []


async def test_toll_free_rate_is_configurable(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock, program=Program(pacing=Pacing(sms_segments_per_second=3)))
    start = clock.now()
    for i in range(4):
        await rig.enqueue(Address("sms", f"+1415555010{i}"))
    await rig.drain()
    assert seconds(rig.referee.times("twilio-sender"), start) == [0, 0.333334, 0.666668, 1.000002]
    assert rig.referee.violations == []


async def test_telegram_overall_and_per_chat_and_a_busy_chat_blocks_nobody(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock)
    start = clock.now()
    for i in range(5):
        await rig.enqueue(Address("telegram", "busy"), f"busy {i}")
    for i in range(20):
        await rig.enqueue(Address("telegram", f"chat{i}"), f"one {i}")
    await rig.drain()
    assert rig.referee.violations == []
    assert seconds(rig.referee.times("telegram-chat:busy"), start) == [0, 1, 2, 3, 4]
    # The 20 other chats go one overall interval apart right after the first send, not after
    # "busy" has had its five seconds.
    others = [s.at for s in rig.referee.sends if s.message.to.id != "busy"]
    assert seconds(others, start) == [round(i * 0.033334, 6) for i in range(1, 21)]


async def test_slack_paces_each_channel_on_its_own(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock)
    start = clock.now()
    for i in range(3):
        await rig.enqueue(Address("slack", "T1:U1"), f"thread {i}", reply_to="C1")
        await rig.enqueue(Address("slack", "T1:U2"), f"dm {i}")
    await rig.drain()
    assert rig.referee.violations == []
    assert seconds(rig.referee.times("slack-channel:C1"), start) == [0, 1, 2]
    assert seconds(rig.referee.times("slack-channel:U2"), start) == [0, 1, 2]


async def test_a_429_pauses_that_scope_for_its_retry_after_and_the_row_keeps_its_attempts(
    store: Store, clock: FakeClock
) -> None:
    from bot.core.channel import DeliveryFailed

    rig = make_rig(store, clock)
    start = clock.now()
    rig.channels["telegram"].failures.append(
        DeliveryFailed("rate_limited", permanent=False, retry_after=7)
    )
    first = await rig.enqueue(Address("telegram", "a"), "a1")
    await rig.enqueue(Address("telegram", "a"), "a2")
    await rig.enqueue(Address("telegram", "b"), "b1")
    await rig.dispatcher.dispatch_due()
    row = await rig.row(first)
    assert row.status == "scheduled" and row.attempts == 0 and row.due_at == start + 7 * S
    await rig.drain()
    assert rig.referee.violations == []
    assert seconds(rig.referee.times("telegram-chat:a"), start) == [7, 8]  # paused, then paced
    # b is not held up by the pause (the 429 itself used the first overall slot).
    assert seconds(rig.referee.times("telegram-chat:b"), start) == [0.033334]
    assert (await rig.row(first)).status == "sent"


async def test_a_backlog_drains_at_the_limit_with_zero_violations(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, batch=25)
    start = clock.now()
    for i in range(200):
        await rig.enqueue(Address("telegram", f"c{i % 50}"), f"m{i}")
    await rig.drain()
    assert rig.referee.violations == [] and len(rig.referee.sends) == 200
    span = (rig.referee.sends[-1].at - start).total_seconds()
    assert 199 / 30 <= span < 199 / 30 + 0.01  # exactly 30 a second overall, no burst, no slack


async def test_a_busy_chat_gets_its_messages_in_order_even_when_claimed_piecemeal(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, batch=3)  # most rows stay in the outbox between passes
    start = clock.now()
    for i in range(8):
        await rig.enqueue(Address("slack", "T1:U1"), f"u1 #{i}")
        await rig.enqueue(Address("slack", "T1:U2"), f"u2 #{i}")
    await rig.drain()
    assert rig.referee.violations == []
    assert rig.referee.to("T1:U1") == [f"u1 #{i}" for i in range(8)]
    assert rig.referee.to("T1:U2") == [f"u2 #{i}" for i in range(8)]
    assert seconds(rig.referee.times("slack-channel:U1"), start) == list(range(8))


async def test_unpaced_channels_are_not_held(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock)
    for i in range(3):
        await rig.enqueue(Address("console", "me"), f"m{i}")
    assert await rig.dispatcher.dispatch_due() == 3
    assert rig.referee.to("me") == ["m0", "m1", "m2"]
