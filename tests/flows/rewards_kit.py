"""A bot running a given program, and the business's side of things: purchases and refunds
reported through the real intake (as the events API reports them) and the worker's release of
holds, each read back as what it did to the ledger."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bot.app import ReferralBot, build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address
from bot.core.store import Store, Tx
from bot.core.store.records import Participant
from bot.core.store.rewards import Reward
from bot.services.conversions import Conversion, EventType, Friend, Outcome
from tests.fakes import CollectingChannel, Conversation

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_KEYS = itertools.count(1)


async def running(
    program: Path, *, store: Store, clock: FakeClock, channel: CollectingChannel
) -> tuple[ReferralBot, Conversation]:
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


@dataclass(frozen=True, slots=True)
class LedgerChange:
    """What one business event did to the ledger, read back from the database."""

    granted: list[Reward]  # rows the event created
    approved: list[Reward]  # rows the event moved to approved


async def _ledger(bot: ReferralBot) -> dict[int, Reward]:
    async with bot.store.transaction() as tx:
        return {r.id: r for r in await tx.rewards.listing(limit=1_000_000)}


async def _observed(bot: ReferralBot, event: Awaitable[object]) -> LedgerChange:
    before = await _ledger(bot)
    await event
    await bot.dispatcher.dispatch_due()
    after = await _ledger(bot)
    return LedgerChange(
        granted=sorted((r for i, r in after.items() if i not in before), key=lambda r: r.id),
        approved=[
            r
            for i, r in sorted(after.items())
            if r.status == "approved" and (i not in before or before[i].status != "approved")
        ],
    )


async def _crm_id(bot: ReferralBot, name: str) -> Friend:
    """The customer as the business's CRM knows them: by its own id for them."""
    async with bot.store.transaction() as tx:
        person = await who(tx, name)
        await tx.participants.attach(Address("external", name), person.id, at=bot.clock.now())
    return Friend(external_id=name)


async def _report(
    bot: ReferralBot, kind: EventType, name: str, amount: str | None = None, code: str | None = None
) -> Outcome:
    conversion = Conversion(
        type=kind,
        idempotency_key=f"{kind}-{next(_KEYS)}",
        friend=await _crm_id(bot, name),
        occurred_at=bot.clock.now(),
        code=code,
        amount=None if amount is None else Decimal(amount),
    )
    return await bot.intake.report(conversion)


async def signup(bot: ReferralBot, name: str, code: str) -> Outcome:
    """The business reports that `name` signed up with `code`, as the events API does."""
    outcome = await _report(bot, "signup", name, code=code)
    await bot.dispatcher.dispatch_due()
    return outcome


async def purchase(bot: ReferralBot, name: str, amount: str) -> LedgerChange:
    """The business reports a purchase through the intake, as the events API does."""
    return await _observed(bot, _report(bot, "purchase", name, amount))


async def refund(bot: ReferralBot, name: str) -> LedgerChange:
    return await _observed(bot, _report(bot, "refund", name))


async def release(bot: ReferralBot) -> LedgerChange:
    """The worker's periodic release of holds that ended."""
    return await _observed(bot, bot.sweeps.release_holds())


async def code_of(bot: ReferralBot, name: str) -> str:
    async with bot.store.transaction() as tx:
        return (await who(tx, name)).code


async def queued(bot: ReferralBot, name: str) -> list[str]:
    """Every message for this person in the outbox, sent or still waiting (quiet hours, caps)."""
    async with bot.store.transaction() as tx:
        rows = await tx.outbox.for_address(Address("console", name))
    return [row.text for row in rows]
