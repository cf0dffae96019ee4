"""A send to Twilio that timed out, or that a crash cut off, is looked up in Twilio's list of
again (bot/channels/sms_lookup.py): the person gets it once, whether Twilio took it or not, and
a lookup that fails sends nothing. The real SDK's `list_async` against the loopback Twilio,
which pages its list as Twilio does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import Address, Outbound
from bot.core.program import Delivery
from bot.core.store.records import OutboxRow
from tests.channels.fake_twilio import ACCOUNT_SID, FROM_NUMBER, TwilioWorld, twilio_world

SCALE = 0.02  # as in test_slow_providers: the 30 s timeout is 0.6 s here
TOO_SLOW = 40 * SCALE  # past the timeout
UNCERTAIN_WAIT = timedelta(minutes=Delivery().uncertain_wait_minutes)
ALICE = "+14155550100"
THANKS = "Thanks for joining! Your friend Bo gets $20 when you shop."
SERVICE = "MG" + "1" * 32
SENDERS = [{}, {"twilio_from_number": None, "twilio_messaging_service_sid": SERVICE}]


@asynccontextmanager
async def world_of(
    sqlite_url: str, clock: FakeClock, **settings: Any
) -> AsyncIterator[TwilioWorld]:
    async with twilio_world(sqlite_url, clock, provider_timeout_scale=SCALE, **settings) as world:
        yield world


async def queue(world: TwilioWorld, text: str = THANKS) -> int:
    now = world.clock.now()
    async with world.bot.store.transaction() as tx:
        row_id = await tx.outbox.enqueue(
            Outbound(Address("sms", ALICE), text), kind="reply", due_at=now, at=now
        )
    assert row_id is not None
    return row_id


async def row_of(world: TwilioWorld, row_id: int) -> tuple[OutboxRow, list[str]]:
    async with world.bot.store.transaction() as tx:
        row = await tx.outbox.get(row_id)
        history = await tx.outbox.history(row_id)
    assert row is not None
    return row, [event for _, event, _ in history]


async def timed_out_after_twilio_took_it(world: TwilioWorld) -> int:
    """A thank-you queued and sent; Twilio took it, and its answer came after our timeout."""
    row_id = await queue(world)
    world.fake.answer_delay = TOO_SLOW
    await world.bot.dispatcher.dispatch_due()
    world.fake.answer_delay = 0
    return row_id


def lookups(world: TwilioWorld) -> list[str]:
    return [r.path for r in world.fake.requests if r.method == "GET"]


@pytest.mark.parametrize("sender", SENDERS, ids=["from a number", "from a messaging service"])
async def test_a_send_that_timed_out_after_twilio_took_it_reaches_the_person_once(
    sqlite_url: str, clock: FakeClock, sender: dict[str, Any]
) -> None:
    async with world_of(sqlite_url, clock, **sender) as world:
        clock.advance(-timedelta(hours=3))
        world.fake.add_message(ALICE, THANKS)  # the same words, to the same person, earlier
        clock.advance(timedelta(hours=3))
        row_id = await timed_out_after_twilio_took_it(world)
        row, events = await row_of(world, row_id)
        assert (row.status, events) == ("scheduled", ["uncertain"])
        for minute in range(60):  # a busy few minutes since: Alice's list runs to a second page
            clock.advance(timedelta(seconds=9))
            world.fake.add_message(ALICE, f"Reminder {minute}: 2 friends joined.")

        clock.advance(UNCERTAIN_WAIT)
        await world.bot.dispatcher.dispatch_due()

        took = world.fake.messages[1]  # the one the timed-out send made
        assert took["body"] == THANKS
        row, events = await row_of(world, row_id)
        assert (row.status, row.provider_id, row.delivery_status) == ("sent", took["sid"], "sent")
        assert events == ["uncertain", "found"]
        assert len(world.fake.posts()) == 1  # never sent again
        assert world.fake.sent_to(ALICE).count(THANKS) == 2  # this one, and the one of earlier
        assert len(lookups(world)) == 2  # the list's two pages, through next_page_uri
        assert "PageToken=PA" in lookups(world)[1]


async def test_the_lookup_asks_twilio_for_this_number_and_sender_since_the_day_it_was_tried(
    sqlite_url: str, clock: FakeClock
) -> None:
    async with world_of(sqlite_url, clock) as world:
        row_id = await timed_out_after_twilio_took_it(world)
        clock.advance(UNCERTAIN_WAIT)
        await world.bot.dispatcher.dispatch_due()
        [lookup] = lookups(world)
        path, query = lookup.split("?", 1)
        assert path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        assert "DateSent%3E=2026-11-23" in query  # `DateSent>=2026-11-23` on the wire
        assert parse_qs(query) == {
            "To": [ALICE], "From": [FROM_NUMBER], "DateSent>": ["2026-11-23"], "PageSize": ["50"]
        }  # fmt: skip
        row, _ = await row_of(world, row_id)
        assert row.status == "sent"


@pytest.mark.parametrize("sender", SENDERS, ids=["queued", "accepted by a messaging service"])
async def test_a_send_twilio_still_holds_unsent_is_found_and_not_sent_again(
    sqlite_url: str, clock: FakeClock, sender: dict[str, Any]
) -> None:
    async with world_of(sqlite_url, clock, **sender) as world:
        world.fake.holding = True  # Twilio's queue is backed up: nothing has a DateSent yet
        row_id = await timed_out_after_twilio_took_it(world)
        clock.advance(UNCERTAIN_WAIT)
        await world.bot.dispatcher.dispatch_due()

        [took] = world.fake.messages
        assert took["date_sent"] is None and took["status"] in ("queued", "accepted")
        row, events = await row_of(world, row_id)
        assert (row.status, row.provider_id) == ("sent", took["sid"])
        assert row.delivery_status == took["status"]
        assert events == ["uncertain", "found"]
        assert world.fake.sent_to(ALICE) == [THANKS]  # Alice gets the thank-you once
        assert len(world.fake.posts()) == 1
        dated, undated = (parse_qs(path.split("?", 1)[1]) for path in lookups(world))
        assert "DateSent>" in dated and "DateSent>" not in undated
        assert undated["To"] == [ALICE] and undated.get("From") == dated.get("From")


async def test_a_send_that_timed_out_before_twilio_took_it_is_sent_on_retry(
    sqlite_url: str, clock: FakeClock
) -> None:
    async with world_of(sqlite_url, clock) as world:
        row_id = await queue(world)
        world.fake.delay = TOO_SLOW  # the request never got to Twilio in time
        await world.bot.dispatcher.dispatch_due()
        assert world.fake.messages == []
        world.fake.delay = 0

        clock.advance(UNCERTAIN_WAIT)
        await world.bot.dispatcher.dispatch_due()

        assert world.fake.sent_to(ALICE) == [THANKS]
        row, events = await row_of(world, row_id)
        assert (row.status, row.provider_id) == ("sent", world.fake.messages[0]["sid"])
        assert events == ["uncertain"]
        assert len(world.fake.posts()) == 2
        assert len(lookups(world)) == 2  # the messages sent since that day, then the unsent


@pytest.mark.parametrize("fault", ["500", "hangs"])
async def test_a_lookup_that_fails_leaves_the_row_to_retry_later_without_sending_twice(
    sqlite_url: str, clock: FakeClock, fault: str
) -> None:
    async with world_of(sqlite_url, clock) as world:
        row_id = await timed_out_after_twilio_took_it(world)
        if fault == "500":
            world.fake.list_errors = 1
        else:
            world.fake.list_delay = TOO_SLOW

        clock.advance(UNCERTAIN_WAIT)
        await world.bot.dispatcher.dispatch_due()

        row, events = await row_of(world, row_id)
        assert row.status == "scheduled" and row.uncertain == 1
        assert "could not look up the timed-out send" in (row.last_error or "")
        assert len(world.fake.posts()) == 1  # not sent blind
        world.fake.list_delay = 0

        clock.advance(timedelta(minutes=1))  # its backoff
        await world.bot.dispatcher.dispatch_due()

        row, events = await row_of(world, row_id)
        assert (row.status, row.provider_id) == ("sent", world.fake.messages[0]["sid"])
        assert events == ["uncertain", "found"]
        assert world.fake.sent_to(ALICE) == [THANKS]
        assert len(world.fake.posts()) == 1


async def cut_off_by_a_crash(world: TwilioWorld, *, twilio_took_it: bool) -> tuple[int, datetime]:
    """A thank-you claimed by `serve`, whose process was killed (kill -9) a moment into its
    send: the row is left leased as the dead process left it, and Twilio took the message or
    never had it. Returns the row and when its lease runs out."""
    row_id = await queue(world)
    lease = timedelta(seconds=70)  # the dispatcher's claim: the send lease and 10 s
    async with world.bot.store.transaction() as tx:
        [claimed] = await tx.outbox.claim_due(
            now=world.clock.now(), reach={"sms": None}, limit=1, lease=lease
        )
    assert claimed.id == row_id
    ran_out = world.clock.now() + lease
    world.clock.advance(timedelta(seconds=1.5))
    if twilio_took_it:
        world.fake.add_message(ALICE, THANKS)
    return row_id, ran_out


@pytest.mark.parametrize("took", [True, False], ids=["Twilio took it", "Twilio never had it"])
async def test_a_send_cut_off_by_a_crash_is_uncertain_looked_up_and_reaches_the_person_once(
    sqlite_url: str, clock: FakeClock, took: bool
) -> None:
    async with world_of(sqlite_url, clock) as world:
        row_id, ran_out = await cut_off_by_a_crash(world, twilio_took_it=took)
        clock.set(ran_out + timedelta(seconds=1))  # the restarted server finds the lease out
        await world.bot.dispatcher.dispatch_due()
        assert world.fake.posts() == [] and lookups(world) == []  # not at once: it may have gone
        row, events = await row_of(world, row_id)
        assert (row.status, row.uncertain, events) == ("scheduled", 1, ["uncertain"])
        assert row.due_at == ran_out + UNCERTAIN_WAIT
        uncertain = world.bot.metrics.registry.get_sample_value(
            "referral_outbound_uncertain_total", {"channel": "sms"}
        )
        assert uncertain == 1

        clock.set(ran_out + UNCERTAIN_WAIT)
        await world.bot.dispatcher.dispatch_due()
        assert len(lookups(world)) == (1 if took else 2)  # asked first: sent, then unsent
        assert world.fake.sent_to(ALICE) == [THANKS]  # once, either way
        row, events = await row_of(world, row_id)
        assert row.status == "sent"
        assert events == (["uncertain", "found"] if took else ["uncertain"])
        assert len(world.fake.posts()) == (0 if took else 1)
