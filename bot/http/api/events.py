"""`POST /api/v1/events`: how the business's site or CRM tells the bot about conversions.

JSON validated with pydantic (422 names the field), idempotent by key.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.requests import Request

from bot.core.clock import Clock, rfc3339
from bot.core.customers import EMAIL_PATTERN
from bot.core.fraud import Origin
from bot.core.phones import sms_address
from bot.http.api.guard import Refusal, parse, read_json
from bot.http.api.values import NOT_BLANK, Amount, Moment
from bot.services.conversions import Conversion, Friend, Intake, KeyReused

IDENTIFIERS = ("phone", "email", "external_id", "telegram_id", "slack_id")
# Clocks disagree a little; a purchase more than a day ahead of ours has not happened.
AHEAD = timedelta(days=1)


class FriendIn(BaseModel):
    # The schema says what the check below does: at least one identifier, as a string.
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string", "pattern": NOT_BLANK}}}
                for name in IDENTIFIERS
            ]
        },
    )

    phone: str | None = Field(
        default=None,
        max_length=32,
        pattern=r"^\+[0-9][0-9 ().-]{0,29}[0-9().-]$",  # no space at the end to strip away
        description="E.164, e.g. +14155550100",
    )
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    external_id: str | None = Field(default=None, min_length=1, max_length=128, pattern=NOT_BLANK)
    telegram_id: str | None = Field(default=None, pattern=r"^[0-9]{1,20}$")
    # Slack's ids are about 11 characters; PostgreSQL's index refuses an address past ~2.7 KB.
    slack_id: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,20}:[A-Z0-9]{1,20}$")
    name: str | None = Field(default=None, max_length=120)
    lang: Literal["en", "ko", "zh-Hant", "zh-Hans"] | None = None
    time_zone: str | None = Field(default=None, max_length=64)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and sms_address(value) is None:
            raise ValueError("not a phone number in E.164 form (+ and country code)")
        return value

    @model_validator(mode="after")
    def _identified(self) -> FriendIn:
        if not (self.phone or self.email or self.external_id or self.telegram_id or self.slack_id):
            raise ValueError("needs one of phone, email, external_id, telegram_id, slack_id")
        return self


class OriginIn(BaseModel):
    """Where the friend came from, as the business's site saw it (feeds the fraud rules)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    visitor: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{32}$", description="the rb_vid cookie /r/{code} set"
    )
    ip: str | None = Field(default=None, max_length=64)
    device: str | None = Field(default=None, max_length=200, description="a device fingerprint")


class EventIn(BaseModel):
    # A signup names its code, unless it came through no referral (`referred: false`).
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "anyOf": [
                {"properties": {"type": {"enum": ["purchase", "refund"]}}},
                {
                    "required": ["code"],
                    "properties": {"code": {"type": "string", "pattern": NOT_BLANK}},
                },
                {"required": ["referred"], "properties": {"referred": {"const": False}}},
            ]
        },
    )

    type: Literal["signup", "purchase", "refund"]
    idempotency_key: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK)
    friend: FriendIn
    code: str | None = Field(default=None, max_length=64)
    occurred_at: Moment | None = Field(
        default=None, description="RFC 3339 (UTC without an offset); a day ahead of now at most"
    )
    amount: Amount | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    origin: OriginIn | None = None
    referred: bool = Field(
        default=True, description="false: a signup that came through no referral (reports count it)"
    )

    @model_validator(mode="after")
    def _coherent(self) -> EventIn:
        if self.type == "signup" and not self.code and self.referred:
            raise ValueError("code: a signup needs the referral code it came through")
        return self


class EventOut(BaseModel):
    idempotency_key: str
    type: Literal["signup", "purchase", "refund"]
    outcome: str = Field(description="counted, rejected:<reason>, unknown_code, recorded, ...")
    participant_id: int | None
    referral_id: int | None
    duplicate: bool = Field(description="this key was processed before; nothing changed")


class Events:
    def __init__(self, *, intake: Intake, clock: Clock) -> None:
        self._intake = intake
        self._clock = clock

    async def post(self, request: Request) -> dict[str, object]:
        event = parse(EventIn, await read_json(request), error="invalid event")
        now = self._clock.now()
        occurred = event.occurred_at or now
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=UTC)
        if occurred > now + AHEAD:
            late = f"in the future: no later than a day after now ({rfc3339(now)})"
            raise Refusal(422, "invalid event", [("occurred_at", late)])
        conversion = Conversion(
            type=event.type,
            idempotency_key=event.idempotency_key,
            friend=Friend(**event.friend.model_dump()),
            occurred_at=occurred,
            code=event.code if event.referred else None,
            amount=event.amount,
            currency=event.currency,
            origin=Origin(
                visitor=event.origin.visitor if event.origin else None,
                network=event.origin.ip if event.origin else None,
                device=event.origin.device if event.origin else None,
            ),
            # `referred` only when false, so keys recorded before it existed still match
            payload=event.model_dump(
                mode="json", exclude={"occurred_at", *(("referred",) if event.referred else ())}
            ),
        )
        try:
            outcome = await self._intake.report(conversion)
        except KeyReused as exc:
            raise Refusal(
                409,
                "idempotency_key was used for a different event",
                [("idempotency_key", "used before, for another event")],
            ) from exc
        return EventOut(
            idempotency_key=event.idempotency_key,
            type=event.type,
            outcome=outcome.outcome,
            participant_id=outcome.participant_id,
            referral_id=outcome.referral_id,
            duplicate=outcome.duplicate,
        ).model_dump(mode="json")
