"""The weekly cap: at most N proactive messages a person in any rolling 7 days, across kinds and
channels; direct replies are neither capped nor counted; over the cap means later, not never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.program import Program
from bot.core.store import Store
from tests.core.dispatch_rig import make_rig

DAY = timedelta(days=1)
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # the program's zone is UTC: daytime
TG = Address("telegram", "ann")


async def test_the_fourth_proactive_message_in_a_week_waits_for_the_first_to_age_out(
    store: Store, clock: FakeClock
) -> None:
    rig = make_rig(store, clock)
    clock.set(NOON)
    ann = await rig.person(TG)
    for day, kind in enumerate(("thanks", "reward", "reminder")):
        clock.set(NOON + day * DAY)
        await rig.enqueue(TG, kind, kind=kind, participant=ann)
        await rig.dispatcher.dispatch_due()
    clock.set(NOON + 3 * DAY)
    fourth = await rig.enqueue(TG, "ask", kind="ask", participant=ann)
    await rig.dispatcher.dispatch_due()
    row = await rig.row(fourth)
    assert row.status == "scheduled" and row.attempts == 0
    assert row.due_at == NOON + 7 * DAY and "weekly cap of 3" in (row.last_error or "")
    await rig.drain()
    assert rig.referee.to("ann") == ["thanks", "reward", "reminder", "ask"]
    assert rig.referee.sends[-1].at == NOON + 7 * DAY


async def test_replies_are_never_capped_and_never_count(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock)
    clock.set(NOON)
    ann = await rig.person(TG)
    for i in range(3):
        await rig.enqueue(TG, f"thanks {i}", kind="thanks", participant=ann)
    for i in range(5):
        await rig.enqueue(TG, f"reply {i}", kind="reply", participant=ann)
    await rig.drain(until=NOON + DAY)
    # Direct replies are claimed before proactive messages (issue #13: priorities).
    assert rig.referee.to("ann") == [f"reply {i}" for i in range(5)] + [
        f"thanks {i}" for i in range(3)
    ]


async def test_the_cap_counts_the_person_across_channels(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock)
    clock.set(NOON)
    ann = await rig.person(TG)
    sms = Address("sms", "+442079460000")  # no zone from this number: the program's (UTC)
    async with store.transaction() as tx:
        await tx.participants.attach(sms, ann, at=clock.now())
    await rig.enqueue(TG, "t1", kind="thanks", participant=ann)
    await rig.enqueue(sms, "t2", kind="thanks", participant=ann)
    await rig.enqueue(TG, "t3", kind="thanks", participant=ann)
    over = await rig.enqueue(sms, "t4", kind="thanks", participant=ann)
    await rig.drain(until=NOON + DAY)
    assert len(rig.referee.sends) == 3
    assert (await rig.row(over)).due_at == NOON + 7 * DAY


async def test_a_batch_over_the_cap_sends_only_up_to_it(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock)
    clock.set(NOON)
    ann = await rig.person(TG)
    bea = await rig.person(Address("telegram", "bea"))
    ids = [await rig.enqueue(TG, f"a{i}", kind="thanks", participant=ann) for i in range(5)]
    await rig.enqueue(Address("telegram", "bea"), "b0", kind="thanks", participant=bea)
    await rig.drain(until=NOON + DAY)
    assert rig.referee.to("ann") == ["a0", "a1", "a2"] and rig.referee.to("bea") == ["b0"]
    assert [(await rig.row(i)).status for i in ids[3:]] == ["scheduled", "scheduled"]
    await rig.drain(until=NOON + 6 * DAY)
    assert len(rig.referee.to("ann")) == 3  # still three within the week
    await rig.drain()
    assert rig.referee.to("ann") == [f"a{i}" for i in range(5)]


async def test_one_claimed_batch_counts_its_own_approvals(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock)
    clock.set(NOON)
    me = Address("console", "me")  # unpaced: all six are claimed and judged together
    person = await rig.person(me)
    ids = [await rig.enqueue(me, f"m{i}", kind="reward", participant=person) for i in range(6)]
    assert await rig.dispatcher.dispatch_due() == 6
    assert rig.referee.to("me") == ["m0", "m1", "m2"]
    assert [(await rig.row(i)).status for i in ids] == ["sent"] * 3 + ["scheduled"] * 3


async def test_the_cap_is_configurable_and_rolling(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock, program=Program(max_proactive_per_week=1))
    clock.set(NOON)
    ann = await rig.person(TG)
    await rig.enqueue(TG, "first", kind="reminder", participant=ann)
    await rig.dispatcher.dispatch_due()
    clock.set(NOON + 6 * DAY + timedelta(hours=23))
    second = await rig.enqueue(TG, "second", kind="reminder", participant=ann)
    await rig.dispatcher.dispatch_due()
    assert (await rig.row(second)).due_at == NOON + 7 * DAY  # one hour later, not a new week
    await rig.drain()
    assert [s.at for s in rig.referee.sends] == [NOON, NOON + 7 * DAY]


async def test_a_cap_deferral_also_respects_quiet_hours(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock, program=Program(max_proactive_per_week=1))
    evening = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)
    clock.set(evening)
    ann = await rig.person(TG)
    await rig.enqueue(TG, "first", kind="thanks", participant=ann)
    await rig.dispatcher.dispatch_due()
    clock.set(evening + DAY)
    second = await rig.enqueue(TG, "second", kind="thanks", participant=ann)
    await rig.dispatcher.dispatch_due()
    # Free again a week after 20:30, which is 20:30 (allowed); capped the other way at 21:00.
    assert (await rig.row(second)).due_at == evening + 7 * DAY
    clock.set(evening + 7 * DAY + timedelta(minutes=45))  # 21:15: quiet
    await rig.dispatcher.dispatch_due()
    row = await rig.row(second)
    assert row.due_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC) and row.status == "scheduled"


async def test_a_cap_of_zero_turns_proactive_messages_off(store: Store, clock: FakeClock) -> None:
    rig = make_rig(store, clock, program=Program(max_proactive_per_week=0))
    clock.set(NOON)
    ann = await rig.person(TG)
    row_id = await rig.enqueue(TG, "thanks", kind="thanks", participant=ann)
    reply = await rig.enqueue(TG, "reply", kind="reply", participant=ann)
    await rig.drain()
    assert (await rig.row(row_id)).status == "skipped"
    assert (await rig.row(reply)).status == "sent"
