"""The bot running an example program, shared by the transcript modules that need one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.store import Store
from tests.fakes import CollectingChannel, Conversation
from tests.flows.rewards_kit import EXAMPLES, running

NOON_IN_CALIFORNIA = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


@pytest.fixture
async def cash(
    store: Store, clock: FakeClock, channel: CollectingChannel
) -> tuple[ReferralBot, Conversation]:
    """The two-sided cash example: $20 each side, 14 days' hold, Pacific time, and
    help@shop.example.com as its support contact."""
    clock.set(NOON_IN_CALIFORNIA)
    return await running(
        EXAMPLES / "two_sided_cash.toml", store=store, clock=clock, channel=channel
    )
