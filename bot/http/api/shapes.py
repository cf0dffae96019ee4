"""What the read-and-act API accepts (queries, bodies) and the pages it answers with."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.core.resources import ParticipantOut, ReferralOut, RewardOut, RewardStatus
from bot.core.resources import ReferralStatus as ReferralStatus
from bot.core.store.database import MAX_ID
from bot.http.api.values import NOT_BLANK, Day, Written

Channel = Literal["sms", "telegram", "slack", "console", "web", "api"]


class Query(BaseModel):
    # Unknown parameters are refused, naming them: a typo must not silently widen a query.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def cursor_pattern(listing: str) -> str:
    return rf"^{listing}\.[1-9][0-9]{{0,18}}$"


def cursor_of(listing: str) -> Any:
    return Field(
        default=None,
        pattern=cursor_pattern(listing),
        description=f"next_cursor of a page of {listing}",
    )


class PageQuery(Query):
    # A cursor names its list and the last id seen ("referrals.41"): any cursor of the pattern is
    # a place in that list, and another list's cursor is refused rather than read as one of ours.
    LISTING: ClassVar[str]
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = None

    @field_validator("cursor", mode="before")
    @classmethod
    def _of_this_list(cls, value: object) -> object:
        if isinstance(value, str) and not re.fullmatch(cursor_pattern(cls.LISTING), value):
            raise ValueError(f"not a cursor of {cls.LISTING}: pass next_cursor of the last page")
        return value

    def before(self) -> int | None:
        """The id the page starts below; None for the first page."""
        if self.cursor is None:
            return None
        last = int(self.cursor.partition(".")[2])
        return last if last <= MAX_ID else None  # past every id: the first page

    def next_cursor(self, ids: list[int]) -> str | None:
        return f"{self.LISTING}.{ids[-1]}" if len(ids) == self.limit else None


class ParticipantsQuery(PageQuery):
    LISTING = "participants"
    cursor: str | None = cursor_of(LISTING)
    query: str | None = Field(
        default=None, max_length=200, description="part of a name, a code, or an address"
    )
    reveal: bool = Field(default=False, description="show phone numbers unmasked")


class ReferralsQuery(PageQuery):
    LISTING = "referrals"
    cursor: str | None = cursor_of(LISTING)
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
    LISTING = "rewards"
    cursor: str | None = cursor_of(LISTING)
    status: RewardStatus | None = None


class DetailQuery(Query):
    reveal: bool = Field(default=False, description="show phone numbers unmasked")


class FunnelQuery(Query):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: Day | None = Field(default=None, alias="from", description="first day (UTC)")
    to: Day | None = Field(default=None, description="last day, included")
    channel: Channel | None = None


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    reason: str = Field(
        min_length=1, max_length=200, pattern=NOT_BLANK, description="what the customer is told"
    )


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=NOT_BLANK,
        description="the business's payout id",
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
