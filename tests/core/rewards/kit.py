"""Helpers for reward tests: programs from TOML text, people, and signups in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.core.fraud import Origin
from bot.core.messages import Address
from bot.core.program import Program, parse_program
from bot.core.rewards import RewardNews, on_purchase, on_refund, release_holds
from bot.core.signups import Signup, sign_up
from bot.core.store import Store
from bot.core.store.records import Participant
from bot.core.store.rewards import Reward

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

CASH = """
[program]
hold_days = 14
[[rewards]]
id = "referrer-cash"
side = "referrer"
unit = "money"
currency = "USD"
amounts = [{ amount = 20 }, { since = 2027-01-01, amount = 10 }]
[[rewards]]
id = "friend-cash"
side = "friend"
unit = "money"
currency = "USD"
amounts = [{ amount = 20 }, { since = 2027-01-01, amount = 10 }]
"""


def program(text: str = CASH, **program_keys: object) -> Program:
    """A program from TOML, with [program] keys overridden (`hold_days=0`)."""
    parsed = parse_program(text)
    return parsed.model_copy(update=program_keys) if program_keys else parsed


async def person(
    store: Store, name: str, *, at: datetime = NOW, channel: str = "console"
) -> Participant:
    async with store.transaction() as tx:
        p = await tx.participants.create(display_name=name, lang="en", at=at)
        assert await tx.participants.attach(Address(channel, name), p.id, at=at)
        return p


async def join(
    store: Store,
    prog: Program,
    referrer: Participant,
    friend: Participant,
    *,
    at: datetime = NOW,
    origin: Origin | None = None,
    claimed: tuple[Address, ...] = (),
) -> Signup:
    async with store.transaction() as tx:
        fresh_friend = await tx.participants.get(friend.id)
        fresh_referrer = await tx.participants.get(referrer.id)
        assert fresh_friend is not None and fresh_referrer is not None
        return await sign_up(
            tx,
            program=prog,
            referrer=fresh_referrer,
            friend=fresh_friend,
            code=referrer.code,
            channel="console",
            at=at,
            origin=origin,
            claimed=claimed,
        )


async def buy(
    store: Store, prog: Program, who: Participant, amount: str | None, *, at: datetime = NOW
) -> RewardNews:
    async with store.transaction() as tx:
        value = None if amount is None else Decimal(amount)
        return await on_purchase(tx, prog, participant=who, amount=value, at=at)


async def refund(store: Store, prog: Program, who: Participant, *, at: datetime) -> RewardNews:
    async with store.transaction() as tx:
        return await on_refund(tx, prog, participant=who, at=at)


async def release(store: Store, prog: Program, *, at: datetime) -> RewardNews:
    async with store.transaction() as tx:
        return await release_holds(tx, prog, now=at)


async def ledger(store: Store, who: Participant) -> list[Reward]:
    """The person's rewards, oldest first."""
    async with store.transaction() as tx:
        return list(reversed(await tx.rewards.of_participant(who.id)))


async def status_of(store: Store, referral_id: int) -> str:
    async with store.transaction() as tx:
        referral = await tx.referrals.get(referral_id)
    assert referral is not None
    return referral.status
