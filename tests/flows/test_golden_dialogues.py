"""Golden dialogues, one per language: the literal words a person reads, flow by flow.

The program is examples/two_sided_cash.toml ($20 each side at signup, 14-day hold); codes are
random, so a dialogue's `{code}` and `{link}` stand for the referrer's own. Each step is what
the person writes and the whole reply they get (buttons included, as the terminal shows them).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.store import Store
from tests.fakes import CollectingChannel
from tests.flows.golden import DIALOGUES
from tests.flows.rewards_kit import EXAMPLES, running

NOON_IN_CALIFORNIA = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize("lang", sorted(DIALOGUES))
async def test_golden_dialogue(
    lang: str, store: Store, clock: FakeClock, channel: CollectingChannel
) -> None:
    clock.set(NOON_IN_CALIFORNIA)
    bot, chat = await running(
        EXAMPLES / "two_sided_cash.toml", store=store, clock=clock, channel=channel
    )
    code = ""
    for who, said, expected in DIALOGUES[lang]:
        said = said.format(code=code)
        reply = await chat.say(who, said, lang=lang)
        if not code:
            async with bot.store.transaction() as tx:
                found = await tx.participants.by_address(Address("console", who))
            assert found is not None
            code = found[0].code
        want = expected.format(code=code, link=f"https://ref.example/r/{code}")
        assert reply == want, f"{lang}: {who} said {said!r}"
