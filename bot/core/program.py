"""The referral program: one readable TOML file the business owns, validated at start.

Errors name the key and what is wrong (pydantic does the checking; we only phrase it).
"""

from __future__ import annotations

import tomllib
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Unit = Literal["money", "credit", "storage", "points", "perk"]
Side = Literal["referrer", "friend"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Amount(_Strict):
    """An amount in force from a date on (the friend's signup date decides which applies)."""

    since: date = date(1970, 1, 1)
    amount: Decimal = Field(ge=0)


class RewardRule(_Strict):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    side: Side
    unit: Unit
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")  # money, credit
    storage_unit: Literal["MB", "GB"] = "MB"
    perk: str | None = None  # unit = perk: what the person gets, in words
    amounts: tuple[Amount, ...] = ()
    cap: Decimal | None = Field(default=None, gt=0)  # total per person under this rule

    @model_validator(mode="after")
    def _coherent(self) -> RewardRule:
        if self.unit in ("money", "credit") and self.currency is None:
            raise ValueError(f"reward {self.id!r}: unit {self.unit!r} needs a currency, e.g. USD")
        if self.unit == "perk" and not self.perk:
            raise ValueError(f"reward {self.id!r}: unit 'perk' needs `perk`, what is given")
        if self.unit != "perk" and not self.amounts:
            raise ValueError(f"reward {self.id!r}: needs at least one [[rewards.amounts]]")
        dates = [a.since for a in self.amounts]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError(
                f"reward {self.id!r}: amounts must have distinct, rising `since` dates"
            )
        return self

    def amount_on(self, day: date) -> tuple[int, Decimal] | None:
        """(version, amount) of the rule in force on that day; version = index of the amount."""
        found = None
        for version, amount in enumerate(self.amounts):
            if amount.since <= day:
                found = (version, amount.amount)
        return found


class Milestone(_Strict):
    count: int = Field(gt=0)
    perk: str = Field(min_length=1)


class Reminders(_Strict):
    first_after_days: float = Field(default=3, gt=0)
    second_after_days: float = Field(default=7, gt=0)
    ask_after_purchase_minutes: float = Field(default=60, ge=0)
    b2b_min_relationship_days: int = Field(default=90, ge=0)
    b2b_ask_interval_days: int = Field(default=30, ge=0)
    b2b_automatic: bool = False


class QuietHours(_Strict):
    start: time = time(21, 0)  # quiet from
    end: time = time(8, 0)  # until

    def is_quiet(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start > self.end:  # spans midnight, the usual case
            return local >= self.start or local < self.end
        return self.start <= local < self.end


class Pacing(_Strict):
    sms_segments_per_second: float = Field(default=1.0, gt=0)
    telegram_per_second: float = Field(default=30.0, gt=0)
    telegram_per_chat_per_second: float = Field(default=1.0, gt=0)
    slack_per_channel_per_second: float = Field(default=1.0, gt=0)


class Fraud(_Strict):
    signups_per_code_per_hour: int = Field(default=10, gt=0)
    signups_per_network_per_day: int = Field(default=5, gt=0)


class Program(_Strict):
    name: str = "Referral program"
    landing_url: str = "http://localhost:8000/welcome"
    landing_param: str = Field(default="ref", pattern=r"^[A-Za-z0-9_-]+$")
    attribution_days: int = Field(default=30, gt=0)
    qualifying_event: Literal["signup", "purchase"] = "signup"
    min_purchase: Decimal = Field(default=Decimal(0), ge=0)
    hold_days: int = Field(default=0, ge=0)
    default_time_zone: str = "UTC"
    max_proactive_per_week: int = Field(default=3, ge=0)
    rewards: tuple[RewardRule, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    reminders: Reminders = Reminders()
    quiet_hours: QuietHours = QuietHours()
    pacing: Pacing = Pacing()
    fraud: Fraud = Fraud()
    messages: dict[str, dict[str, str]] = Field(default_factory=dict)  # lang -> key -> text

    @field_validator("default_time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Program:
        ids = [rule.id for rule in self.rewards]
        if len(ids) != len(set(ids)):
            raise ValueError("reward ids must be unique")
        counts = [m.count for m in self.milestones]
        if counts != sorted(set(counts)):
            raise ValueError("milestones must have distinct, rising counts")
        return self

    def rules_for(self, side: Side) -> tuple[RewardRule, ...]:
        return tuple(rule for rule in self.rewards if rule.side == side)

    def next_milestone(self, count: int) -> Milestone | None:
        return next((m for m in self.milestones if m.count > count), None)


class ProgramError(ValueError):
    """The program file is wrong; the message names the key and what is wrong."""


def _phrase(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"{where}: {error['msg']}")
    return "; ".join(lines)


def parse_program(text: str, *, source: str = "program") -> Program:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgramError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return Program.model_validate(data.get("program", {}) | _lists(data))
    except ValidationError as exc:
        raise ProgramError(f"{source}: {_phrase(exc)}") from exc


def _lists(data: dict[str, object]) -> dict[str, object]:
    """Tables that live at the top level of the file next to [program]."""
    keys = ("rewards", "milestones", "reminders", "quiet_hours", "pacing", "fraud", "messages")
    return {key: data[key] for key in keys if key in data}


def load_program(path: str | None) -> Program:
    """The program at `path`, or the built-in default program when no file is configured."""
    if path is None:
        return Program()
    file = Path(path)
    if not file.is_file():
        raise ProgramError(f"REFERRAL_PROGRAM={path}: no such file")
    return parse_program(file.read_text(encoding="utf-8"), source=str(file))
