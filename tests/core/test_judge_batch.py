"""A claimed batch is judged in a few statements, not a few per row: the reply counts, the
people and their week's sends are read for the whole batch, with the same verdicts as one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.kinds import DIRECT_KINDS
from bot.core.messages import Address, Outbound
from bot.core.program import Program
from bot.core.store import Store
from bot.core.store.database import open_database
from bot.core.store.migrate import upgrade
from bot.delivery.delivery_policy import DeliveryPolicy
from tests.statements import CountingDatabase

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)
LEASE = timedelta(seconds=60)


async def _history(store: Store, people: int, first: int = 0) -> list[tuple[int, Address]]:
    """`people` people on Telegram, each with a week of sends behind them in every state a
    row can be in: sent long ago and lately, being sent, skipped as coalesced, waiting."""
    made = []
    async with store.transaction() as tx:
        for n in range(first, first + people):
            to = Address("telegram", f"chat{n}")
            me = (await tx.participants.create(display_name=f"P{n}", lang="en", at=NOON)).id
            await tx.participants.attach(to, me, at=NOON)
            for age, kind, words in [
                (timedelta(days=8), "thanks", "too old to count"),
                (timedelta(days=2), "thanks", "Thank you! Bob joined."),
                (timedelta(minutes=30), "reminder", "Your link is waiting"),
                (timedelta(minutes=20), "reply", "Here is your link"),
                (timedelta(minutes=10), "reply", "Here is your link"),
            ][: 2 + n % 4]:
                row = await tx.outbox.enqueue(
                    Outbound(to, words),
                    kind=kind,
                    due_at=NOON - age,
                    at=NOON - age,
                    participant_id=me,
                )
                assert row is not None
                await tx.outbox.mark_sent(row, provider_id=f"m{n}{age}", at=NOON - age)
            made.append((me, to))
    return made


async def _claimed(store: Store, made: list[tuple[int, Address]]) -> list[int]:
    """A reply and a thank-you due now to each person, claimed as the dispatcher does."""
    async with store.transaction() as tx:
        for me, to in made:
            for kind, words in [("reply", "You referred 2 friends"), ("thanks", "Carol joined")]:
                await tx.outbox.enqueue(
                    Outbound(to, words),
                    kind=kind,
                    due_at=NOON,
                    at=NOON - HOUR / 2,
                    participant_id=me,
                )
        rows = await tx.outbox.claim_due(
            now=NOON, reach={"telegram": None}, limit=1000, lease=LEASE
        )
    return [row.id for row in rows]


async def test_reply_counts_and_week_sends_of_a_batch_match_those_read_one_by_one(
    store: Store,
) -> None:
    made = await _history(store, 6)
    claimed = await _claimed(store, made)
    async with store.transaction() as tx:
        rows = [row for row_id in claimed if (row := await tx.outbox.get(row_id)) is not None]
        replies = [row for row in rows if row.kind == "reply"]
        each = await tx.outbox.reply_counts_each(replies, since=NOON - HOUR)
        one_by_one = {r.id: await tx.outbox.reply_counts(r, since=NOON - HOUR) for r in replies}
        people = [me for me, _ in made]
        weeks = await tx.outbox.proactive_times_each(
            people, direct=DIRECT_KINDS, since=NOON - WEEK, now=NOON, besides=claimed
        )
        alone = {
            me: await tx.outbox.proactive_times(
                participant_id=me,
                address=to,
                direct=DIRECT_KINDS,
                since=NOON - WEEK,
                now=NOON,
                besides=claimed,
            )
            for me, to in made
        }
        locked = await tx.participants.get_many(people, lock=True)
    assert each == one_by_one
    assert {c.sent for c in each.values()} == {0, 1, 2}  # the history varies per person
    assert weeks == alone and [len(weeks[me]) for me in people] == [1, 2, 2, 2, 1, 2]
    assert sorted(locked) == sorted(people) and locked[people[0]].display_name == "P0"


async def test_a_batch_of_forty_people_is_judged_in_as_many_statements_as_one(
    database_url: str,
) -> None:
    db = await open_database(database_url)
    await upgrade(db)
    counting = CountingDatabase(db)
    store = Store(counting)
    policy = DeliveryPolicy.of(Program())
    counted = []
    try:
        for first, people in ((0, 1), (1, 40)):
            claimed = await _claimed(store, await _history(store, people, first))
            async with store.transaction() as tx:
                rows = [r for row_id in claimed if (r := await tx.outbox.get(row_id)) is not None]
            counting.tally.reset()
            async with store.transaction() as tx:
                verdicts = await policy.judge_all(tx, rows, NOON)
            counted.append(counting.tally.statements)
            assert len(verdicts) == 2 * people and all(verdict.send for verdict in verdicts)
    finally:
        await store.close()
    # The addresses' opt-outs, the replies' counts, the people (locked), their week's sends.
    assert counted == [4, 4]
