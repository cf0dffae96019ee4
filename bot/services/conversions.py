"""Conversions the business reports through its API: a friend signed up, bought, or refunded.

Each event is processed once by its idempotency key, in one transaction with everything it
causes: the referral, the rewards, and the messages (a thank-you, a referral ask) in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from bot.core import rewards
from bot.core.codes import normalize_code
from bot.core.context import Context
from bot.core.effects import Effects
from bot.core.fraud import Origin
from bot.core.messages import Address, Profile
from bot.core.normalize import clean
from bot.core.phones import number_profile, sms_address
from bot.core.store import Tx
from bot.core.store.records import Participant
from bot.flows.asks import purchase_ask
from bot.services.announce import announce
from bot.services.friend_joined import friend_joined
from bot.services.unit_of_work import Done, UnitOfWork

EventType = Literal["signup", "purchase", "refund"]


@dataclass(frozen=True, slots=True)
class Friend:
    """Who converted, as the business knows them; any one identifier finds them again."""

    phone: str | None = None
    email: str | None = None
    external_id: str | None = None
    telegram_id: str | None = None
    slack_id: str | None = None  # team:user
    name: str | None = None
    lang: str | None = None
    time_zone: str | None = None

    def addresses(self) -> list[Address]:
        found: list[Address] = []
        if self.phone:
            address = sms_address(self.phone)
            if address is not None:
                found.append(address)
        if self.email:
            found.append(Address("email", self.email.strip().lower()))
        if self.external_id:
            found.append(Address("external", self.external_id.strip()))
        if self.telegram_id:
            found.append(Address("telegram", self.telegram_id.strip()))
        if self.slack_id:
            found.append(Address("slack", self.slack_id.strip()))
        return found


@dataclass(frozen=True, slots=True)
class Conversion:
    type: EventType
    idempotency_key: str
    friend: Friend
    occurred_at: datetime
    code: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    origin: Origin = field(default_factory=Origin)  # visitor id, network, device: fraud rules
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome: str  # counted | rejected:<reason> | unknown_code | invalid_code | recorded | ...
    participant_id: int | None = None
    referral_id: int | None = None
    duplicate: bool = False


async def find_or_create(tx: Tx, friend: Friend, *, at: datetime) -> tuple[Participant, bool]:
    """The participant any of the friend's identifiers names, else a new one with all of them."""
    addresses = friend.addresses()
    owner: Participant | None = None
    for address in addresses:
        found = await tx.participants.by_address(address)
        if found is not None:
            owner = found[0]
            break
    created = owner is None
    if owner is None:
        phone = next((a for a in addresses if a.channel == "sms"), None)
        hints = number_profile(phone.id) if phone is not None else Profile()
        owner = await tx.participants.create(
            display_name=clean(friend.name or "")[:80],
            lang=friend.lang or hints.lang or "en",
            time_zone=friend.time_zone or hints.time_zone,
            at=at,
        )
    for address in addresses:
        # An identifier already taken by someone else stays theirs: first claim wins.
        await tx.participants.attach(address, owner.id, at=at)
    return owner, created


class KeyReused(Exception):
    """The idempotency key was used before for a different event: nothing was recorded."""


class Intake:
    """Processes conversions: the events API, the CLI and tests all `report` here."""

    def __init__(self, *, context: Context, work: UnitOfWork) -> None:
        self._context = context
        self._work = work

    async def report(self, event: Conversion) -> Outcome:
        """Record the event and everything it causes in one transaction; once per key."""

        async def work(tx: Tx, now: datetime) -> Done[Outcome]:
            previous = await tx.conversions.payload_of(event.idempotency_key)
            if previous is not None and previous != event.payload:
                raise KeyReused(event.idempotency_key)
            outcome, effects = await self.record(tx, event, now=now)
            return Done(outcome, effects)

        return await self._work.run(work)

    async def record(self, tx: Tx, event: Conversion, *, now: datetime) -> tuple[Outcome, Effects]:
        row_id = await tx.conversions.claim(
            idempotency_key=event.idempotency_key,
            type=event.type,
            code=event.code,
            amount=None if event.amount is None else str(event.amount),
            currency=event.currency,
            occurred_at=event.occurred_at,
            received_at=now,
            payload=event.payload,
        )
        if row_id is None:
            seen = await tx.conversions.by_key(event.idempotency_key)
            assert seen is not None
            return Outcome(seen.outcome, seen.participant_id, seen.referral_id, True), Effects()
        if event.type == "signup":
            outcome, effects = await self._signup(tx, event, now=now)
        elif event.type == "purchase":
            outcome, effects = await self._purchase(tx, event, now=now)
        else:
            outcome, effects = await self._refund(tx, event, now=now)
        await tx.conversions.settle(
            row_id,
            outcome=outcome.outcome,
            participant_id=outcome.participant_id,
            referral_id=outcome.referral_id,
        )
        return outcome, effects

    async def _through_code(
        self, tx: Tx, friend: Participant, event: Conversion, *, now: datetime
    ) -> tuple[Outcome, Effects]:
        code_text = event.code or ""
        code = normalize_code(code_text)
        if code is None:
            return Outcome("invalid_code", friend.id), Effects()
        referrer = await tx.participants.by_code(code, lock=True)  # the signup's turn
        if referrer is None:
            return Outcome("unknown_code", friend.id), Effects()
        joined = await friend_joined(
            self._context,
            tx,
            referrer=referrer,
            friend=friend,
            code=code,
            channel="api",
            now=now,
            origin=event.origin,
            claimed=event.friend.addresses(),
        )
        referral = joined.signup.referral
        if referral is None:
            return Outcome(f"rejected:{joined.signup.reason}", friend.id), Effects()
        return Outcome("counted", friend.id, referral.id), joined.effects

    async def _signup(self, tx: Tx, event: Conversion, *, now: datetime) -> tuple[Outcome, Effects]:
        friend, _ = await find_or_create(tx, event.friend, at=now)
        if event.code is None:  # the CRM reports its other signups too: the reports' baseline
            return Outcome("not_referred", friend.id), Effects()
        return await self._through_code(tx, friend, event, now=now)

    async def _purchase(
        self, tx: Tx, event: Conversion, *, now: datetime
    ) -> tuple[Outcome, Effects]:
        buyer, _ = await find_or_create(tx, event.friend, at=now)
        outcome, effects = Outcome("recorded", buyer.id), Effects()
        already = await tx.referrals.of_friend(buyer.id)
        if event.code and already is None and not buyer.is_customer:
            # A code entered at checkout: the purchase is also the friend's signup.
            outcome, effects = await self._through_code(tx, buyer, event, now=now)
        await tx.participants.mark_purchase(buyer.id, now)
        buyer = await _reload(tx, buyer.id)
        news = await rewards.on_purchase(
            tx, self._context.program, participant=buyer, amount=event.amount, at=now
        )
        effects = effects + await announce(self._context, tx, news, now=now)
        effects = effects + await purchase_ask(self._context, tx, buyer, now=now)
        referral = await tx.referrals.of_friend(buyer.id)
        return (
            Outcome(outcome.outcome, buyer.id, referral.id if referral else outcome.referral_id),
            effects,
        )

    async def _refund(self, tx: Tx, event: Conversion, *, now: datetime) -> tuple[Outcome, Effects]:
        buyer: Participant | None = None
        for address in event.friend.addresses():
            found = await tx.participants.by_address(address)
            if found is not None:
                buyer = found[0]
                break
        if buyer is None:
            return Outcome("unknown_friend"), Effects()
        news = await rewards.on_refund(tx, self._context.program, participant=buyer, at=now)
        effects = await announce(self._context, tx, news, now=now)
        return Outcome("recorded", buyer.id), effects


async def _reload(tx: Tx, participant_id: int) -> Participant:
    participant = await tx.participants.get(participant_id)
    assert participant is not None
    return participant
