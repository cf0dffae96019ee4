"""Delivery rules of issue #13, one test each, on the injected clock behind the strict referee:
retries that outlast an outage, a breaker that pauses a failing channel (at once when the
provider refuses our credentials), expiry, replies before
proactive messages, a flooding sender coalesced, an auto-responder muted, sends in flight capped
below the client's pool."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.core.channel import DeliveryFailed
from bot.core.clock import FakeClock
from bot.core.i18n import Catalogs
from bot.core.intents import default_locales_dir
from bot.core.messages import Address, Outbound
from bot.core.program import Delivery, Program
from bot.core.store import Store
from bot.delivery.breaker import Breakers
from tests.core.dispatch_rig import Rig, make_rig

S = timedelta(seconds=1)
TG = Address("telegram", "42")


def down(times: int) -> list[DeliveryFailed]:
    return [DeliveryFailed("transient", permanent=False, detail="503") for _ in range(times)]


def with_breaker(rig: Rig) -> Breakers:
    """The dispatcher's breaker, opening after 3 failures in a row for 30 s."""
    rig.dispatcher._breakers = breakers = Breakers(failures=3, pause=30 * S)
    rig.dispatcher._sender._breakers = breakers
    return breakers


async def test_transient_failures_are_retried_for_24_hours_then_the_row_is_dead(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, max_attempts=None, paced=False)
    rig.channels["telegram"].failures.extend(down(10_000))
    start = clock.now()
    row_id = await rig.enqueue(TG, "your reward", kind="reward")
    await rig.drain()
    row = await rig.row(row_id)
    assert row.status == "dead" and clock.now() - start >= timedelta(hours=24)
    assert 20 < row.attempts < 60  # doubling from 2 s, at most an hour apart
    async with store.transaction() as tx:
        assert [event for _, event, _ in await tx.outbox.history(row_id)] == ["dead"]


async def test_an_outage_opens_the_breaker_and_the_backlog_drains_oldest_first_after(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, max_attempts=None, paced=False)  # console: no provider limit
    breakers = with_breaker(rig)
    rig.channels["console"].failures.extend(down(3))
    ids = [await rig.enqueue(Address("console", f"c{i}"), f"m{i}") for i in range(20)]
    await rig.dispatcher.dispatch_due()
    attempts = [(await rig.row(i)).attempts for i in ids]
    assert attempts[:3] == [1, 1, 1] and set(attempts[3:]) == {0}  # the rest paused, no cost
    assert breakers.opens_at("console") == clock.now() + 30 * S
    await rig.drain()
    # Recovered: the 17 never tried go first in their order, then the 3 from their backoff.
    texts = [s.message.text for s in rig.referee.sends]
    assert texts[:17] == [f"m{i}" for i in range(3, 20)]
    assert sorted(texts[17:]) == ["m0", "m1", "m2"]  # in their jittered backoff's order
    assert {(await rig.row(i)).status for i in ids} == {"sent"}


async def test_a_429_answering_the_probe_after_an_outage_closes_the_breaker(
    store: Store, clock: FakeClock
) -> None:
    # The provider is back but busy: its 429 is an answer, so the channel is not left waiting
    # on a probe that never reports (every message on the channel stuck until a restart).
    rig = make_rig(store, clock, max_attempts=None, paced=False)
    breakers = with_breaker(rig)
    busy = DeliveryFailed("rate_limited", permanent=False, detail="429", retry_after=1)
    rig.channels["console"].failures.extend([*down(3), busy])
    ids = [await rig.enqueue(Address("console", f"c{i}"), f"m{i}") for i in range(10)]
    await rig.drain(until=clock.now() + timedelta(minutes=5))
    assert {(await rig.row(i)).status for i in ids} == {"sent"}
    assert breakers.opens_at("console") is None


REFUSED = DeliveryFailed("auth", permanent=False, detail="401/20003; check TWILIO_AUTH_TOKEN")


async def test_refused_credentials_pause_the_channel_its_messages_wait_and_go_once_when_accepted(
    store: Store, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    rig = make_rig(store, clock, max_attempts=None, paced=False)
    breakers = with_breaker(rig)
    rig.channels["console"].failures.extend([REFUSED, REFUSED])  # the first try, the first probe
    ids = [await rig.enqueue(Address("console", f"c{i}"), f"m{i}") for i in range(5)]
    elsewhere = await rig.enqueue(TG, "telegram goes on")
    await rig.dispatcher.dispatch_due()
    rows = [await rig.row(i) for i in ids]
    assert {(row.status, row.attempts) for row in rows} == {("scheduled", 0)}  # none burnt
    assert (await rig.row(elsewhere)).status == "sent"
    assert rig.dispatcher.refusals() == {"console": "auth: 401/20003; check TWILIO_AUTH_TOKEN"}
    assert breakers.opens_at("console") == clock.now() + 30 * S  # at once, not after 3

    await rig.drain(until=clock.now() + timedelta(minutes=5))
    # Probed at 30 s (refused: the pause doubles), accepted at 90 s; each message went once.
    assert rig.referee.to("c0") == ["m0"]
    assert sorted(s.message.text for s in rig.referee.sends if s.message.to.id != "42") == [
        f"m{i}" for i in range(5)
    ]
    assert {(await rig.row(i)).attempts for i in ids} == {1}
    assert rig.dispatcher.refusals() == {}
    async with store.transaction() as tx:
        assert [await tx.outbox.history(i) for i in ids] == [[]] * 5  # nothing dead, ever
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [
        "console: the provider refused our credentials (auth: 401/20003; check "
        "TWILIO_AUTH_TOKEN); nothing is sent on console until they work: its messages wait, "
        "and it is tried again from 2026-11-23 15:00:30 UTC"
    ]


async def test_a_restart_with_credentials_that_work_sends_the_waiting_messages_at_once(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, paced=False)
    rig.channels["console"].failures.append(REFUSED)
    ids = [await rig.enqueue(Address("console", f"c{i}"), f"m{i}") for i in range(3)]
    await rig.dispatcher.dispatch_due()
    assert rig.referee.sends == []
    restarted = make_rig(store, clock, paced=False)  # a new process: the token fixed
    await restarted.dispatcher.dispatch_due()
    assert [s.message.text for s in restarted.referee.sends] == ["m0", "m1", "m2"]
    assert {(await rig.row(i)).status for i in ids} == {"sent"}


async def test_one_businesss_receiver_failing_does_not_pause_the_channel_for_the_others(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, max_attempts=None, paced=False)
    breakers = with_breaker(rig)
    dead = DeliveryFailed("transient", permanent=False, detail="answered 500", own_server=True)
    rig.channels["console"].failures.extend([dead] * 3)
    failing = [await rig.enqueue(Address("console", "crm-down"), f"e{i}") for i in range(3)]
    healthy = [await rig.enqueue(Address("console", "crm-up"), f"f{i}") for i in range(10)]
    await rig.dispatcher.dispatch_due()
    assert {(await rig.row(i)).status for i in healthy} == {"sent"}
    assert {(await rig.row(i)).attempts for i in failing} == {1}
    assert breakers.opens_at("console") is None


async def test_a_message_past_its_point_is_recorded_as_expired_not_sent(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock)
    late = await rig.enqueue(TG, "Don't forget your link!", kind="reminder", due=clock.now())
    fresh = await rig.enqueue(Address("telegram", "43"), "Your link", kind="reply")
    clock.advance(timedelta(hours=25))  # the process was down a day
    await rig.drain()
    row = await rig.row(late)
    assert row.status == "skipped" and (row.last_error or "").startswith("expired: a reminder")
    assert rig.referee.to("42") == [] and (await rig.row(fresh)).status == "skipped"
    async with store.transaction() as tx:
        assert [e for _, e, _ in await tx.outbox.history(late)] == ["expired"]


async def test_the_program_file_sets_and_validates_the_delivery_rules() -> None:

    from bot.core.program import ProgramError, parse_program

    text = "[delivery]\nretry_hours = 48\nexpire_after_minutes = { reply = 30 }\n"
    program = parse_program(text)
    assert program.delivery.retry_hours == 48
    assert program.delivery.expire_after_minutes == {"reply": 30}
    with pytest.raises(ProgramError, match=r"delivery\.retry_hours"):
        parse_program("[delivery]\nretry_hours = 0\n")
    with pytest.raises(ProgramError, match="reply: must be more than 0 minutes"):
        parse_program("[delivery]\nexpire_after_minutes = { reply = 0 }\n")


async def test_ten_thousand_reminders_never_delay_a_reply_by_more_than_one_slot(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, batch=500)
    now = clock.now()
    async with store.transaction() as tx:
        for i in range(10_000):
            message = Outbound(Address("telegram", f"r{i}"), f"reminder {i}")
            await tx.outbox.enqueue(message, kind="reminder", due_at=now, at=now)
    await rig.drain(until=clock.now() + 10 * S)  # a few hundred reminders out
    asked = clock.now()
    await rig.enqueue(Address("telegram", "asker"), "Your count is 3", kind="reply")
    await rig.drain(until=clock.now() + 2 * S)
    [reply] = [s for s in rig.referee.sends if s.message.to.id == "asker"]
    assert reply.at - asked <= S / 30 + timedelta(microseconds=2)  # one slot at 30/s
    assert rig.referee.violations == []


async def test_a_flooding_sender_gets_a_few_replies_and_another_customer_waits_seconds(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, flood_guard=True)
    flooder, other = Address("sms", "+14155550100"), Address("sms", "+14155550101")
    start = clock.now()
    for i in range(60):  # 60 texts in a second, each answered
        clock.set(start + i * S / 60)
        await rig.enqueue(flooder, f"Sorry, I didn't get that ({i})")
    asked = clock.now()
    await rig.enqueue(other, "Your link: https://ref.example/r/AB12")
    await rig.drain()
    answered = rig.referee.to(flooder.id)
    assert answered == [f"Sorry, I didn't get that ({i})" for i in (0, 1, 2, 59)]  # first, last
    [answer] = [s for s in rig.referee.sends if s.message.to == other]
    assert answer.at - asked <= 5 * S  # at 1 segment/s: behind three answers, not sixty
    async with store.transaction() as tx:
        coalesced = [r for r in await tx.outbox.for_address(flooder) if r.status == "skipped"]
    assert len(coalesced) == 56 and "coalesced" in (coalesced[0].last_error or "")


async def test_hello_hello_hello_then_a_question_gets_one_hello_and_the_answer(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock, flood_guard=True)
    person = Address("sms", "+14155550100")
    hello = "Hi! I can send your referral link and tell you who joined."
    start = clock.now()
    for i, reply in enumerate([hello, hello, hello, hello, "Here's your personal link: ..."]):
        clock.set(start + i * S / 10)  # "hi", "hello?", "you there?", "hey", "my link?"
        await rig.enqueue(person, reply)
    await rig.drain()
    assert rig.referee.to(person.id) == [
        hello,
        "Here's your personal link: ...",
    ]


async def test_an_auto_responder_is_detected_and_not_answered_for_a_while(
    store: Store, clock: FakeClock
) -> None:
    program = Program(delivery=Delivery(loop_replies_per_hour=10))
    rig = make_rig(store, clock, program=program, flood_guard=True, paced=False)
    robot = Address("sms", "+14155550177")
    for i in range(12):  # it answers each of our replies within seconds
        await rig.enqueue(robot, f"reply {i}")
        await rig.drain()
        clock.advance(5 * S)
    assert len(rig.referee.to(robot.id)) == 10
    clock.advance(timedelta(hours=1))
    await rig.enqueue(robot, "after an hour")
    await rig.drain()
    assert rig.referee.to(robot.id)[-1] == "after an hour"


async def test_the_first_reply_the_loop_guard_mutes_in_an_hour_says_so_and_only_that_one(
    store: Store, clock: FakeClock
) -> None:
    program = Program(delivery=Delivery(loop_replies_per_hour=10))
    catalogs = Catalogs.load(default_locales_dir())
    rig = make_rig(store, clock, program=program, flood_guard=True, paced=False, notices=catalogs)
    robot = Address("sms", "+14155550178")
    person = await rig.person(robot)
    for i in range(30):  # an auto-responder answering each of our replies, the notice too
        await rig.enqueue(robot, f"reply {i}", participant=person)
        await rig.drain()
        clock.advance(5 * S)
    notice = (
        "I've answered a lot of messages in the last hour, so I'll be quiet for a little while. "
        "Write again in 60 minutes."
    )
    assert rig.referee.to(robot.id) == [f"reply {i}" for i in range(10)] + [notice]
    clock.advance(timedelta(minutes=58))  # 60 minutes after the first reply, and one more
    await rig.enqueue(robot, "an hour later", participant=person)
    await rig.drain()
    assert rig.referee.to(robot.id)[-1] == "an hour later"
    for i in range(20):  # the loop again: muted again and, over an hour after it, told again
        await rig.enqueue(robot, f"again {i}", participant=person)
        await rig.drain()
        clock.advance(5 * S)
    assert rig.referee.to(robot.id)[11:] == [
        "an hour later",
        *(f"again {i}" for i in range(9)),
        notice,
    ]


class SlowPool:
    """A provider slow to answer, behind a client pool of 3 connections."""

    name = "telegram"
    max_in_flight = 3

    def __init__(self) -> None:
        self.going = 0
        self.most = 0
        self.sent: list[str] = []
        self.all_sent = asyncio.Event()

    def routes(self, inbox: object) -> tuple[()]:
        return ()

    def reach(self) -> frozenset[str] | None:
        return None

    async def send(self, message: Outbound) -> str | None:
        self.going += 1
        self.most = max(self.most, self.going)
        await asyncio.sleep(0.02)
        self.going -= 1
        self.sent.append(message.text)
        if len(self.sent) == 30:
            self.all_sent.set()
        return None


async def test_sends_in_flight_stay_within_the_clients_pool(
    store: Store, clock: FakeClock
) -> None:
    from bot.delivery.dispatcher import Dispatcher

    channel = SlowPool()
    dispatcher = Dispatcher(store=store, channels={"telegram": channel}, clock=clock)
    rig = make_rig(store, clock)
    for i in range(30):
        await rig.enqueue(Address("telegram", f"c{i}"), f"m{i}")
    task = asyncio.create_task(dispatcher.run(idle=0.05))
    try:
        await asyncio.wait_for(channel.all_sent.wait(), 10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert channel.most == 3 and sorted(channel.sent) == sorted(f"m{i}" for i in range(30))
