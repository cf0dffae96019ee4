"""A reward as the ledger holds it: who, for which referral and rule, how much, in what state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.core.clock import from_micros
from bot.core.reward_rules import from_units
from bot.core.store.database import Row

STATUSES = ("pending", "approved", "issued", "voided")
COLUMNS = (
    "id, referral_id, participant_id, side, kind, rule_id, rule_version, unit, measure, label, "
    "amount, status, held, reason, hold_until, created_at, updated_at"
)


@dataclass(frozen=True, slots=True)
class Reward:
    id: int
    referral_id: int
    participant_id: int
    side: str  # referrer | friend
    kind: str  # referral | milestone
    rule_id: str
    rule_version: int  # which of the rule's effective-dated amounts applied
    unit: str
    measure: str | None  # currency, or MB / GB
    label: str | None  # a perk's texts (JSON by language)
    amount: Decimal
    status: str
    held: str | None  # the fraud flag it waits on a reviewer for
    reason: str | None  # why it was voided
    hold_until: datetime
    created_at: datetime
    updated_at: datetime


def reward_of(r: Row) -> Reward:
    return Reward(
        id=int(r[0]),
        referral_id=int(r[1]),
        participant_id=int(r[2]),
        side=r[3],
        kind=r[4],
        rule_id=r[5],
        rule_version=int(r[6]),
        unit=r[7],
        measure=r[8],
        label=r[9],
        amount=from_units(int(r[10])),
        status=r[11],
        held=r[12],
        reason=r[13],
        hold_until=from_micros(r[14]),
        created_at=from_micros(r[15]),
        updated_at=from_micros(r[16]),
    )
