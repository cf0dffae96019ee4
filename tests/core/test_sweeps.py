"""The periodic jobs, driven by the injected clock: reminders, the release of held rewards, and
forgetting processed event ids."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.messages import Address, Inbound
from bot.core.store import Store
from tests.fakes import CollectingChannel
from tests.flows.rewards_kit import program_file, running


async def test_a_quiet_sharer_gets_two_reminders_then_no_more(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    program = program_file(tmp_path, "[program]\nmax_proactive_per_week = 10\n")
    bot, chat = await running(program, store=store, clock=clock, channel=channel)
    await chat.say("alice", "LINK")
    assert await bot.sweeps.reminders() == 0  # nothing due yet, and today's run is done
    clock.advance(timedelta(days=3, hours=1))
    assert await bot.sweeps.reminders() == 1
    assert await bot.sweeps.reminders() == 0  # once a day, however often the clock asks
    await bot.dispatcher.dispatch_due()
    link = chat.inbox("alice")[0].split("\n")[0].split()[-1]
    assert bot.catalogs.text("en", "reminder.share", link=link) in chat.inbox("alice")
    clock.advance(timedelta(days=7, hours=1))
    assert await bot.sweeps.reminders() == 1
    await bot.dispatcher.dispatch_due()
    clock.advance(timedelta(days=30))
    assert await bot.sweeps.reminders() == 0
    reminders = [t for t in chat.inbox("alice") if "/r/" in t and "JOIN" not in t]
    assert len(reminders) == 2


async def test_someone_whose_link_was_clicked_is_not_reminded(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    bot, chat = await running(
        program_file(tmp_path, "[program]\n"), store=store, clock=clock, channel=channel
    )
    await chat.say("alice", "LINK")
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_code(chat.inbox("alice")[0].split("/r/")[1][:8])
        assert found is not None
        await tx.clicks.record(
            code=found.code,
            referrer_id=found.id,
            visitor="v1",
            network="203.0.113.9",
            user_agent="Mozilla",
            at=clock.now(),
        )
    clock.advance(timedelta(days=4))
    assert await bot.sweeps.reminders() == 0


async def test_held_rewards_are_approved_when_the_hold_ends(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    program = program_file(
        tmp_path,
        """
[program]
hold_days = 14
max_proactive_per_week = 10

[[rewards]]
id = "cash"
side = "referrer"
unit = "money"
currency = "USD"
amounts = [{ amount = 20 }]
""",
    )
    bot, chat = await running(program, store=store, clock=clock, channel=channel)
    await chat.say("alice", "LINK")
    code = chat.inbox("alice")[0].split("/r/")[1][:8]
    await chat.say("bob", f"JOIN {code}")
    assert await bot.sweeps.release_holds() == 0
    clock.advance(timedelta(days=14, minutes=1))
    assert await bot.sweeps.release_holds() == 1
    assert await bot.sweeps.release_holds() == 0
    await bot.dispatcher.dispatch_due()
    async with bot.store.transaction() as tx:
        rows = await tx.outbox.recent(limit=50)
    assert any(r.kind == "reward" and "$20.00" in r.text for r in rows)


async def test_processed_event_ids_are_forgotten_after_the_replay_window(
    bot: ReferralBot, clock: FakeClock
) -> None:
    def update(update_id: int, text: str) -> Inbound:
        return Inbound(Address("console", "777"), text, f"update:{update_id}", clock.now())

    assert (await bot.inbox.message(update(1000, "LINK"))).duplicate is False
    clock.advance(timedelta(days=6))
    assert (await bot.inbox.message(update(1001, "COUNT"))).duplicate is False
    clock.advance(timedelta(days=1, minutes=1))  # update 1000 is a week and a minute old
    assert await bot.sweeps.prune_events() == 1
    assert await bot.sweeps.prune_events() == 0  # this hour's sweep has run
    async with bot.store.transaction() as tx:
        kept = await tx.conn.fetchall("SELECT event_id FROM inbound_events")
    assert [r[0] for r in kept] == ["update:1001"]
    # The recent one is still a duplicate when the provider delivers it again.
    assert (await bot.inbox.message(update(1001, "COUNT"))).duplicate is True
    clock.advance(timedelta(days=7, hours=1))
    assert await bot.sweeps.prune_events() == 1
    async with bot.store.transaction() as tx:
        claims = await tx.conn.fetchval("SELECT COUNT(*) FROM job_runs WHERE job = 'prune-events'")
    assert claims == 1  # this hour's; the old hours' claims go with the ids
