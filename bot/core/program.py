"""The referral program: one readable TOML file the business owns, validated at start.

Errors name the key and what is wrong (pydantic does the checking; we only phrase it).
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.core.phones import known_region
from bot.core.program_errors import SECTIONS, phrase, unknown_sections
from bot.core.reward_rules import Amount, Milestone, Perk, RewardRule, Side, Unit

__all__ = [
    "Amount",
    "Delivery",
    "Fraud",
    "Milestone",
    "Pacing",
    "Perk",
    "Program",
    "ProgramError",
    "QuietHours",
    "Reminders",
    "RewardRule",
    "Side",
    "Unit",
    "load_program",
    "parse_program",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class Delivery(_Strict):
    """How long a message keeps trying, and when it loses its point ([delivery] in the file)."""

    retry_hours: float = Field(default=24, ge=1, le=24 * 14)  # then dead
    backoff_first_seconds: float = Field(default=2, gt=0, le=600)  # doubles, with jitter
    backoff_max_minutes: float = Field(default=60, gt=0, le=24 * 60)
    # A send whose outcome is unknown (timed out after the request was written) is sent again
    # at most this often, after this long: no provider offers an idempotency key.
    uncertain_retries: int = Field(default=1, ge=0, le=3)
    uncertain_wait_minutes: float = Field(default=10, gt=0, le=24 * 60)
    # After this many failures in a row a channel pauses (circuit breaker), doubling up to max.
    breaker_failures: int = Field(default=5, ge=1)
    breaker_pause_seconds: float = Field(default=30, gt=0)
    breaker_max_pause_minutes: float = Field(default=30, gt=0)
    # A message that has lost its point by then is recorded as expired, never sent late.
    expire_after_minutes: dict[str, float] = Field(
        default_factory=lambda: {
            "reply": 6 * 60.0,  # an answer hours late still answers; a day late it does not
            "reminder": 24 * 60,
            "ask": 24 * 60,
            "thanks": 7 * 24 * 60,
            "reward": 7 * 24 * 60,
        }
    )
    # Per sender: at most `burst_replies` answers waiting at once (the rest are coalesced);
    # past `loop_replies_per_hour` answers the sender is an auto-responder, muted.
    burst_replies: int = Field(default=3, ge=1)
    loop_replies_per_hour: int = Field(default=60, ge=1)

    @field_validator("expire_after_minutes")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        for kind, minutes in value.items():
            if not minutes > 0:
                raise ValueError(f"{kind}: must be more than 0 minutes")
        return value


class Fraud(_Strict):
    signups_per_code_per_hour: int = Field(default=10, gt=0)
    signups_per_network_per_day: int = Field(default=5, gt=0)


# How the program's views (`program check`, the dashboard's Program page) name an unset key.
BUILT_IN_LANDING = "the built-in page (/welcome on this server)"
NO_SUPPORT = "none: people who ask for a person hear what the bot can do"


class Program(_Strict):
    name: str = "Referral program"
    # How a customer reaches a person (an email, a phone number, a web address), said as
    # written when they ask for one; None: the bot says what it can do instead.
    support: str | None = Field(default=None, min_length=3, max_length=200)
    landing_url: str | None = None  # None: the built-in page, PUBLIC_BASE_URL/welcome
    landing_param: str = Field(default="ref", pattern=r"^[A-Za-z0-9_-]+$")
    attribution_days: int = Field(default=30, gt=0)
    qualifying_event: Literal["signup", "purchase"] = "signup"
    min_purchase: Decimal = Field(default=Decimal(0), ge=0)
    hold_days: int = Field(default=0, ge=0)
    default_time_zone: str = "UTC"
    phone_region: str | None = None  # ISO 3166 code: imports read national numbers as from here
    max_proactive_per_week: int = Field(default=3, ge=0)
    rewards: tuple[RewardRule, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    reminders: Reminders = Reminders()
    quiet_hours: QuietHours = QuietHours()
    pacing: Pacing = Pacing()
    delivery: Delivery = Delivery()
    fraud: Fraud = Fraud()
    messages: dict[str, dict[str, str]] = Field(default_factory=dict)  # lang -> key -> text

    @field_validator("landing_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("https://", "http://")) or len(value) < 12:
            raise ValueError(f"{value!r} is not a web address (https://...)")
        return value

    @field_validator("support")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value.strip()) < 3:
            raise ValueError("name an email, a phone number or a web address")
        return value.strip()

    @field_validator("default_time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("phone_region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not known_region(value):
            raise ValueError(f"unknown region {value!r} (use a country code such as KR or TW)")
        return None if value is None else value.upper()

    @model_validator(mode="after")
    def _unique_ids(self) -> Program:
        ids = [rule.id for rule in self.rewards]
        if len(ids) != len(set(ids)):
            raise ValueError("reward ids must be unique")
        counts = [m.count for m in self.milestones]
        if counts != sorted(set(counts)):
            raise ValueError("milestones must have distinct, rising counts")
        return self

    def day_of(self, at: datetime) -> date:
        """The calendar day at `at` in the program's zone: the day that picks the amounts."""
        return at.astimezone(ZoneInfo(self.default_time_zone)).date()

    def rules_for(self, side: Side) -> tuple[RewardRule, ...]:
        return tuple(rule for rule in self.rewards if rule.side == side)

    def next_milestone(self, count: int) -> Milestone | None:
        return next((m for m in self.milestones if m.count > count), None)


class ProgramError(ValueError):
    """The program file is wrong; the message names the key and what is wrong."""

    def __init__(self, message: str, *, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems  # one line each, when the file was read and has mistakes


def parse_program(text: str, *, source: str = "program") -> Program:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgramError(f"{source}: not valid TOML: {exc}") from exc
    wrong = unknown_sections(data, SECTIONS)
    program = data.get("program", {})
    if not isinstance(program, dict):
        wrong.append("program: must be a table, [program]")
        program = {}
    try:
        parsed = Program.model_validate(program | _lists(data))
    except ValidationError as exc:
        wrong += phrase(exc, Program)
    if wrong:
        raise ProgramError(f"{source}: " + "; ".join(wrong), problems=tuple(wrong))
    return parsed


_TABLES = SECTIONS[1:]  # everything beside [program]


def _lists(data: dict[str, object]) -> dict[str, object]:
    """Tables that live at the top level of the file next to [program]."""
    return {key: data[key] for key in _TABLES if key in data}


def load_program(path: str | None) -> Program:
    """The program at `path`, or the built-in default program when no file is configured."""
    if path is None:
        return Program()
    source = f"REFERRAL_PROGRAM={path}"
    return parse_program(read_program_file(Path(path), source=source), source=source)


def read_program_file(file: Path, *, source: str) -> str:
    """The file's text, or an error that says why it cannot be read, or is no program (an
    empty file: the dashboard's Program check refuses one too)."""
    if file.is_dir():
        raise ProgramError(f"{source}: is a folder; name the program file (a .toml) inside it")
    if not file.exists():
        raise ProgramError(f"{source}: no such file")
    try:
        text = file.read_text(encoding="utf-8")
    except PermissionError as exc:
        raise ProgramError(f"{source}: cannot be read (permission denied)") from exc
    except UnicodeDecodeError as exc:
        raise ProgramError(f"{source}: is not UTF-8 text (save it as UTF-8)") from exc
    except OSError as exc:
        raise ProgramError(f"{source}: cannot be read ({exc.strerror})") from exc
    if not text.strip():  # every setting has a default, but nobody means an empty program
        raise ProgramError(
            f"{source}: is empty; write the program in it "
            "(`referral-bot program example` prints one to start from)"
        )
    return text
