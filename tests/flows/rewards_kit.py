"""A bot running a given program, and the business's side of things (purchases, refunds, the
periodic release of holds) as the events API and the worker would do them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from bot.app import Bot, build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.enqueue import enqueue_scheduled
from bot.core.messages import Address
from bot.core.rewards import RewardNews, on_purchase, on_refund, release_holds
from bot.core.store import Store, Tx
from bot.core.store.records import Participant
from bot.flows.reward_news import tell
from tests.fakes import CollectingChannel, Conversation

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


async def running(
    program: Path, *, store: Store, clock: FakeClock, channel: CollectingChannel
) -> tuple[Bot, Conversation]:
    """The bot as `app.py` wires it, with REFERRAL_PROGRAM=`program`."""
    settings = Settings(
        database_url=store.db.url,
        referral_program=str(program),
        public_base_url="https://ref.example",
    )
    bot = await build(settings, channels=[channel], clock=clock, store=store)
    return bot, Conversation(bot=bot, channel=channel, clock=clock)


def program_file(folder: Path, text: str) -> Path:
    path = folder / "program.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def who(tx: Tx, name: str) -> Participant:
    found = await tx.participants.by_address(Address("console", name))
    assert found is not None, name
    return found[0]


async def _business(bot: Bot, step: Callable[[Tx], Awaitable[RewardNews]]) -> RewardNews:
    now = bot.clock.now()
    async with bot.store.transaction() as tx:
        news = await step(tx)
        await enqueue_scheduled(tx, await tell(bot.context, tx, news, now=now), at=now)
    await bot.dispatcher.dispatch_due()
    return news


async def purchase(bot: Bot, name: str, amount: str) -> RewardNews:
    async def step(tx: Tx) -> RewardNews:
        buyer = await who(tx, name)
        return await on_purchase(
            tx, bot.program, participant=buyer, amount=Decimal(amount), at=bot.clock.now()
        )

    return await _business(bot, step)


async def refund(bot: Bot, name: str) -> RewardNews:
    async def step(tx: Tx) -> RewardNews:
        return await on_refund(tx, bot.program, participant=await who(tx, name), at=bot.clock.now())

    return await _business(bot, step)


async def release(bot: Bot) -> RewardNews:
    async def step(tx: Tx) -> RewardNews:
        return await release_holds(tx, bot.program, now=bot.clock.now())

    return await _business(bot, step)


async def code_of(bot: Bot, name: str) -> str:
    async with bot.store.transaction() as tx:
        return (await who(tx, name)).code


async def queued(bot: Bot, name: str) -> list[str]:
    """Every message for this person in the outbox, sent or still waiting (quiet hours, caps)."""
    async with bot.store.transaction() as tx:
        rows = await tx.outbox.for_address(Address("console", name))
    return [row.text for row in rows]
