"""Thank-yous held by quiet hours are rendered when they go, and several become one summary."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import ReferralBot as Bot
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.store import Store
from tests.fakes import CollectingChannel, Conversation
from tests.flows.rewards_kit import EXAMPLES, running

TEN_PM_IN_CALIFORNIA = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # quiet hours: 21:00-08:00
NINE_AM_IN_CALIFORNIA = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


async def _referrer_at_night(
    store: Store, clock: FakeClock, channel: CollectingChannel, friends: tuple[str, ...]
) -> tuple[Bot, Conversation, int]:
    """mina shares her link at 10 pm and friends join; returns how many messages she had."""
    clock.set(TEN_PM_IN_CALIFORNIA)
    bot, chat = await running(
        EXAMPLES / "two_sided_cash.toml", store=store, clock=clock, channel=channel
    )
    await chat.say("mina", "LINK")
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("console", "mina"))
    assert found is not None
    for friend in friends:
        await chat.say(friend, f"JOIN {found[0].code}")
    return bot, chat, len(chat.inbox("mina"))


async def test_three_held_thank_yous_arrive_as_one_summary_in_the_morning(
    store: Store, clock: FakeClock, channel: CollectingChannel
) -> None:
    bot, chat, before = await _referrer_at_night(store, clock, channel, ("joon", "sora", "yuna"))
    await bot.dispatcher.dispatch_due()
    assert len(chat.inbox("mina")) == before  # nothing in the night
    clock.set(NINE_AM_IN_CALIFORNIA)
    await bot.dispatcher.dispatch_due()
    assert chat.inbox("mina")[before:] == [
        "3 more friends joined this week: you've referred 3. Thank you!"
    ]


async def test_one_held_thank_you_says_the_count_as_it_is_when_sent(
    store: Store, clock: FakeClock, channel: CollectingChannel
) -> None:
    bot, chat, before = await _referrer_at_night(store, clock, channel, ("joon",))
    clock.set(NINE_AM_IN_CALIFORNIA)
    await bot.dispatcher.dispatch_due()
    [thanks] = chat.inbox("mina")[before:]
    assert thanks.startswith(
        "Thank you! joon joined with your link. You've referred 1 friend so far."
    )
    assert "just joined" not in thanks
