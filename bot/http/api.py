"""`/api/v1`: how the business's site or CRM tells the bot about conversions.

Bearer-token auth, JSON validated with pydantic (422 names the field), idempotent by key.
"""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.clock import Clock
from bot.core.customers import EMAIL_PATTERN
from bot.core.fraud import Origin
from bot.core.phones import sms_address
from bot.services.conversions import Conversion, Friend, Intake, KeyReused


class FriendIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str | None = Field(default=None, max_length=32, description="E.164, e.g. +14155550100")
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    external_id: str | None = Field(default=None, min_length=1, max_length=128)
    telegram_id: str | None = Field(default=None, pattern=r"^[0-9]{1,20}$")
    slack_id: str | None = Field(default=None, pattern=r"^[A-Z0-9]+:[A-Z0-9]+$")
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
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["signup", "purchase", "refund"]
    idempotency_key: str = Field(min_length=1, max_length=200)
    friend: FriendIn
    code: str | None = Field(default=None, max_length=64)
    occurred_at: datetime | None = None
    amount: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=4)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    origin: OriginIn | None = None

    @model_validator(mode="after")
    def _coherent(self) -> EventIn:
        if self.type == "signup" and not self.code:
            raise ValueError("code: a signup needs the referral code it came through")
        return self


def _errors(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        head, sep, rest = message.partition(": ")
        if sep and head.isidentifier():  # a model-level check naming its field: "code: ..."
            field, message = ".".join(part for part in (field, head) if part), rest
        out.append({"field": field or "(body)", "message": message})
    return out


def _invalid(errors: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse({"error": "invalid event", "fields": errors}, status_code=422)


def openapi_document() -> dict[str, Any]:
    schema = EventIn.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.pop("$defs", {})
    components["EventIn"] = schema
    return {
        "openapi": "3.1.0",
        "info": {"title": "referral-bot API", "version": "1"},
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/events": {
                "post": {
                    "summary": "Report a signup, purchase or refund (idempotent by key)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/EventIn"}}
                        },
                    },
                    "responses": {
                        "200": {"description": "processed (or already processed: duplicate)"},
                        "401": {"description": "missing or wrong bearer token"},
                        "409": {"description": "idempotency key reused for another event"},
                        "422": {"description": "invalid event; `fields` names each problem"},
                    },
                }
            }
        },
    }


def api_routes(*, intake: Intake, clock: Clock, token: str | None) -> list[BaseRoute]:
    def authorized(request: Request) -> bool:
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if token is None or scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.strip().encode(), token.encode())

    async def events(request: Request) -> Response:
        if not authorized(request):
            detail = "bearer token required" if token else "the API is off: set REFERRAL_API_TOKEN"
            return JSONResponse(
                {"error": detail}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            raw = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _invalid([{"field": "(body)", "message": "not valid JSON"}])
        try:
            event = EventIn.model_validate(raw)
        except ValidationError as exc:
            return _invalid(_errors(exc))
        now = clock.now()
        occurred = event.occurred_at or now
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=UTC)
        conversion = Conversion(
            type=event.type,
            idempotency_key=event.idempotency_key,
            friend=Friend(**event.friend.model_dump()),
            occurred_at=occurred,
            code=event.code,
            amount=event.amount,
            currency=event.currency,
            origin=Origin(
                visitor=event.origin.visitor if event.origin else None,
                network=event.origin.ip if event.origin else None,
                device=event.origin.device if event.origin else None,
            ),
            payload=event.model_dump(mode="json", exclude={"occurred_at"}),
        )
        try:
            outcome = await intake.report(conversion)
        except KeyReused:
            return JSONResponse(
                {"error": "idempotency_key was used for a different event"}, status_code=409
            )
        return JSONResponse(
            {
                "idempotency_key": event.idempotency_key,
                "type": event.type,
                "outcome": outcome.outcome,
                "participant_id": outcome.participant_id,
                "referral_id": outcome.referral_id,
                "duplicate": outcome.duplicate,
            }
        )

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    return [
        Route("/api/v1/events", events, methods=["POST"]),
        Route("/api/v1/openapi.json", openapi, methods=["GET"]),
    ]
