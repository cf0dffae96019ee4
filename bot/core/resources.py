"""The objects the business sees: participants, referrals and rewards as the REST API returns
them and the webhooks carry them. One shape for both, so a CRM reads either the same way.

Phone numbers are masked unless the caller asks for them (`reveal`): a list of customers in a
log or a Zapier history should not be a list of phone numbers.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from bot.core.clock import rfc3339
from bot.core.store.records import Identity, Participant, Referral, ReferralCounts
from bot.core.store.reward_record import Reward

ReferralStatus = Literal["clicked", "signed_up", "qualified", "rewarded", "rejected"]
RejectReason = Literal[
    "self_referral",
    "already_customer",
    "already_referred",
    "attribution_expired",
    "cap_reached",
    "suspected_fraud",
]
RewardStatus = Literal["pending", "approved", "issued", "voided"]
AMOUNT = r"^[0-9]+(\.[0-9]+)?$"
INSTANT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"
# Every time the business is shown, in one form (bot.core.clock.rfc3339), and the schema says so.
Instant = Annotated[
    datetime,
    PlainSerializer(rfc3339, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": INSTANT,
            "description": "UTC, to the millisecond: 2026-11-23T15:00:00.000Z",
        },
        mode="serialization",
    ),
]


class Resource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RewardOut(Resource):
    id: int
    participant_id: int
    referral_id: int
    side: Literal["referrer", "friend"]
    kind: Literal["referral", "milestone"]
    rule: str
    rule_version: int = Field(ge=0)
    unit: Literal["money", "credit", "storage", "points", "perk"]
    measure: str | None = Field(description="currency (ISO 4217) for money, MB/GB for storage")
    perk: dict[str, str] | None = Field(description="a perk's text by language")
    amount: str = Field(pattern=AMOUNT, description="a decimal number, as text")
    status: RewardStatus
    held: str | None = Field(description="the fraud flag it waits on a reviewer for")
    reason: str | None = Field(description="why it was voided")
    hold_until: Instant
    created_at: Instant
    updated_at: Instant


class ReferralOut(Resource):
    id: int
    referrer_id: int
    friend_id: int
    code: str
    channel: str
    status: ReferralStatus
    reason: RejectReason | None
    created_at: Instant
    updated_at: Instant | None
    referred_at: Instant | None = Field(description="when the friend got the code, if known")
    qualified_at: Instant | None
    rewards: list[RewardOut]


class IdentityOut(Resource):
    channel: str = Field(description="sms, telegram, slack, console, web, email or external")
    address: str = Field(description="phone numbers are masked unless ?reveal=true")
    opted_out: bool
    unreachable: bool


class CountsOut(Resource):
    signed_up: int = Field(ge=0)
    qualified: int = Field(ge=0)
    rewarded: int = Field(ge=0)
    rejected: int = Field(ge=0)
    counted: int = Field(ge=0, description="signed up, qualified or rewarded")


class ParticipantOut(Resource):
    id: int
    code: str
    link: str
    name: str
    lang: str
    segment: Literal["b2c", "b2b"]
    company: str | None
    is_customer: bool
    created_at: Instant
    link_sent_at: Instant | None
    identities: list[IdentityOut]
    opted_out: dict[str, bool] = Field(description="per channel: has this person said STOP")
    counts: CountsOut
    rewards: list[RewardOut]


def mask_phone(number: str) -> str:
    """+14155550100 -> +14*******00: enough to recognise, not enough to call."""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 5) + number[-2:]


def reward_out(r: Reward) -> RewardOut:
    return RewardOut(
        id=r.id,
        participant_id=r.participant_id,
        referral_id=r.referral_id,
        side=r.side,  # type: ignore[arg-type]  # the database CHECK constrains it
        kind=r.kind,  # type: ignore[arg-type]
        rule=r.rule_id,
        rule_version=r.rule_version,
        unit=r.unit,  # type: ignore[arg-type]
        measure=r.measure,
        perk=None if r.label is None else dict(json.loads(r.label)),
        amount=format(r.amount.normalize(), "f"),
        status=r.status,  # type: ignore[arg-type]
        held=r.held,
        reason=r.reason,
        hold_until=r.hold_until,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def referral_out(r: Referral, rewards: list[Reward]) -> ReferralOut:
    return ReferralOut(
        id=r.id,
        referrer_id=r.referrer_id,
        friend_id=r.friend_id,
        code=r.code,
        channel=r.channel,
        status=r.status,  # type: ignore[arg-type]
        reason=r.reason,  # type: ignore[arg-type]
        created_at=r.created_at,
        updated_at=r.updated_at,
        referred_at=r.referred_at,
        qualified_at=r.qualified_at,
        rewards=[reward_out(w) for w in rewards],
    )


def participant_out(
    p: Participant,
    *,
    link: str,
    identities: list[Identity],
    counts: ReferralCounts,
    rewards: list[Reward],
    reveal: bool = False,
) -> ParticipantOut:
    shown = [
        IdentityOut(
            channel=i.address.channel,
            address=i.address.id
            if reveal or i.address.channel != "sms"
            else mask_phone(i.address.id),
            opted_out=i.opted_out,
            unreachable=i.unreachable,
        )
        for i in identities
    ]
    opted: dict[str, bool] = {}
    for i in identities:
        opted[i.address.channel] = opted.get(i.address.channel, False) or i.opted_out
    by = counts.by_status
    return ParticipantOut(
        id=p.id,
        code=p.code,
        link=link,
        name=p.display_name,
        lang=p.lang,
        segment=p.segment,  # type: ignore[arg-type]
        company=p.company,
        is_customer=p.is_customer,
        created_at=p.created_at,
        link_sent_at=p.link_sent_at,
        identities=shown,
        opted_out=opted,
        counts=CountsOut(
            signed_up=by.get("signed_up", 0),
            qualified=by.get("qualified", 0),
            rewarded=by.get("rewarded", 0),
            rejected=by.get("rejected", 0),
            counted=counts.counted,
        ),
        rewards=[reward_out(w) for w in rewards],
    )
