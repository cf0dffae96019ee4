"""Slack events are acknowledged only once recorded: a store too slow for Slack's 3 s gets a 503,
and Slack's retry of the same event (X-Slack-Retry-Num) is recorded once and answered once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.core.clock import FakeClock
from bot.core.store.database import Connection, Database
from tests.channels.fake_slack import DM, FakeSlack, SlackHarness, dm

BUDGET = 0.5  # seconds the core gets before the answer (2.5 in production)
SLOW = 0.8  # the slow commit: longer than the budget, well under Slack's first retry
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}


@dataclass(frozen=True)
class Hold:
    seconds: float
    fails: bool = False  # after the wait, the commit fails (and the transaction rolls back)


class SlowDisk:
    """The database, with the next commits held (a disk under load), maybe then failing."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.dialect, self.url = db.dialect, db.url
        self.holds: list[Hold] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        hold = self.holds.pop(0) if self.holds else Hold(0)
        async with self._db.transaction() as conn:
            yield conn
            await asyncio.sleep(hold.seconds)
            if hold.fails:
                raise OSError("disk I/O error")

    async def close(self) -> None:
        await self._db.close()


@asynccontextmanager
async def slack_on_a_slow_disk(
    database_url: str, clock: FakeClock, fake: FakeSlack
) -> AsyncIterator[tuple[SlackHarness, SlowDisk]]:
    harness = await SlackHarness.open(database_url, clock, fake, ack_budget=BUDGET)
    disk = SlowDisk(harness.bot.store.db)
    harness.bot.store.db = disk
    try:
        yield harness, disk
    finally:
        await harness.slack.stop()
        await harness.close()


async def test_a_slow_store_answers_503_and_slacks_retry_is_recorded_once(
    database_url: str, clock: FakeClock, slack_api: FakeSlack
) -> None:
    async with slack_on_a_slow_disk(database_url, clock, slack_api) as (slack, disk):
        disk.holds.append(Hold(SLOW))
        first = await slack.event(dm("LINK"), event_id="Ev1")
        assert first.status_code == 503  # not acknowledged: Slack will deliver it again
        # Slack's retry comes almost at once, while the first attempt is still committing.
        retry = await slack.event(dm("LINK"), event_id="Ev1", headers=RETRY)
        assert retry.status_code == 200
        await slack.slack.stop()  # (nothing is left in flight)
        assert await slack.count("inbound_events") == 1
        replies = await slack.replies()
        assert len(replies) == 1 and replies[0]["channel"] == DM
        assert "/r/" in replies[0]["text"]


async def test_when_the_first_attempt_fails_after_the_503_the_retry_records_it(
    database_url: str, clock: FakeClock, slack_api: FakeSlack
) -> None:
    async with slack_on_a_slow_disk(database_url, clock, slack_api) as (slack, disk):
        disk.holds.append(Hold(SLOW, fails=True))
        assert (await slack.event(dm("LINK"), event_id="Ev1")).status_code == 503
        await slack.slack.stop()  # the first attempt rolled back: nothing was recorded
        assert await slack.untouched()
        retry = await slack.event(dm("LINK"), event_id="Ev1", headers=RETRY)
        assert retry.status_code == 200
        assert await slack.count("inbound_events") == 1
        assert len(await slack.replies()) == 1


async def test_a_store_in_time_is_acknowledged_with_the_message_recorded(
    database_url: str, clock: FakeClock, slack_api: FakeSlack
) -> None:
    async with slack_on_a_slow_disk(database_url, clock, slack_api) as (slack, disk):
        disk.holds.append(Hold(BUDGET / 4))
        answer = await slack.event(dm("LINK"), event_id="Ev1")
        assert answer.status_code == 200
        assert await slack.count("inbound_events") == 1  # recorded before the ack
        assert await slack.count("outbox") == 1
