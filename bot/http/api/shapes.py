"""What the read-and-act API accepts (queries, bodies) and the pages it answers with."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from bot.core.resources import ParticipantOut, ReferralOut, RewardOut, RewardStatus
from bot.core.resources import ReferralStatus as ReferralStatus
from bot.http.api.guard import Refusal

MAX_ID = 2**63 - 1
Channel = Literal["sms", "telegram", "slack", "console", "web", "api"]


DAY_FIRST = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


def written_date(value: object) -> object:
    """A date or time as RFC 3339 text; pydantic alone would also read `0` as 1970-01-01."""
    if value is not None and not (isinstance(value, str) and DAY_FIRST.match(value)):
        raise ValueError("a date as YYYY-MM-DD, or a time as RFC 3339 (2026-11-30T09:00:00Z)")
    return value


Written = BeforeValidator(written_date)


class Query(BaseModel):
    # Unknown parameters are refused, naming them: a typo must not silently widen a query.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class PageQuery(Query):
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_-]{1,24}$", description="next_cursor of a page"
    )

    def before(self) -> int | None:
        """The id the page starts below; the cursor is opaque to clients."""
        if self.cursor is None:
            return None
        try:
            text = base64.urlsafe_b64decode(self.cursor + "=" * (-len(self.cursor) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            text = ""
        if not text.startswith("id:") or not text[3:].isdigit() or len(text) > 22:
            raise Refusal(422, "invalid query", [("query.cursor", "not a cursor this API gave")])
        return int(text[3:])


def cursor_after(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


class ParticipantsQuery(PageQuery):
    query: str | None = Field(default=None, max_length=200, description="name, code or address")
    reveal: bool = Field(default=False, description="show phone numbers unmasked")


class ReferralsQuery(PageQuery):
    status: ReferralStatus | None = None
    referrer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    since: Annotated[datetime | None, Written] = Field(
        default=None, description="created at or after (RFC 3339)"
    )

    @field_validator("since")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """A time without an offset is read as UTC."""
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class RewardsQuery(PageQuery):
    status: RewardStatus | None = None


class DetailQuery(Query):
    reveal: bool = Field(default=False, description="show phone numbers unmasked")


class FunnelQuery(Query):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: Annotated[date | None, Written] = Field(
        default=None, alias="from", description="first day (UTC)"
    )
    to: Annotated[date | None, Written] = Field(default=None, description="last day, included")
    channel: Channel | None = None


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    reason: str = Field(min_length=1, max_length=200, description="what the customer is told")


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    reference: str | None = Field(
        default=None, min_length=1, max_length=200, description="the business's payout id"
    )


class ParticipantPage(BaseModel):
    items: list[ParticipantOut]
    next_cursor: str | None


class ReferralPage(BaseModel):
    items: list[ReferralOut]
    next_cursor: str | None


class RewardPage(BaseModel):
    items: list[RewardOut]
    next_cursor: str | None


class Decision(BaseModel):
    reward: RewardOut
    told: int = Field(ge=0, description="messages queued to tell the customer")


class FieldError(BaseModel):
    field: str
    message: str


class Error(BaseModel):
    error: str
    fields: list[FieldError]
