"""What a report is made of: frozen results, the same for the API, the CLI and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.core.i18n import Catalogs
from bot.core.plural import counted
from bot.core.reward_text import describe
from bot.core.staff_names import staff_name


@dataclass(frozen=True, slots=True)
class FunnelStep:
    name: str  # links | clicks | signups | qualified
    count: int
    rate: float | None  # count / the step before; None for the first step or after a zero


@dataclass(frozen=True, slots=True)
class ReasonCount:
    reason: str  # one of records.REASONS
    count: int


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: str  # pending | approved | issued | voided
    count: int


@dataclass(frozen=True, slots=True)
class RewardTotal:
    """Rewards in one state and unit: how many and how much (per currency for money)."""

    status: str
    unit: str
    measure: str | None  # the currency, or MB / GB
    count: int
    amount: Decimal

    def in_words(self, catalogs: Catalogs, lang: str) -> str:
        """How much, as the chat says it: "$60.00", "1,000 points", "16 GB"; perks differ from
        one another, so they are counted ("2 perks")."""
        if self.unit == "perk":
            return counted(self.count, "perk")
        return describe(
            catalogs, lang, unit=self.unit, measure=self.measure, label=None, amount=self.amount
        )


@dataclass(frozen=True, slots=True)
class RuleCount:
    """Rewards by the program rule and version that promised them."""

    rule_id: str
    rule_version: int
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class Funnel:
    channel: str | None  # None: every channel
    steps: tuple[FunnelStep, ...]
    pending: int  # signups counted and still waiting to qualify
    rejected: tuple[ReasonCount, ...]  # every reason, zeros included, in records.REASONS order
    rewards: tuple[StatusCount, ...]  # every status, zeros included
    reward_totals: tuple[RewardTotal, ...]
    by_rule: tuple[RuleCount, ...]

    def step(self, name: str) -> FunnelStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    @property
    def rejected_total(self) -> int:
        return sum(r.count for r in self.rejected)


@dataclass(frozen=True, slots=True)
class Quantiles:
    count: int  # how many conversions were measured
    median: float | None  # seconds
    p90: float | None


def duration(seconds: float | None) -> str:
    """A time to convert as the dashboard and `report` print it: "under a minute", "12 min",
    "5.5 h", "3.0 days"; "–" when nothing was measured."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 2 * 86_400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} days"


@dataclass(frozen=True, slots=True)
class TimeToConvert:
    to_signup: Quantiles  # first click (or link handed out) -> signup
    to_qualified: Quantiles  # signup -> qualified


@dataclass(frozen=True, slots=True)
class TopReferrer:
    rank: int
    participant_id: int
    display_name: str
    company: str | None
    code: str
    signups: int  # counted signups in the period
    qualified: int
    phone: str | None = None  # when they have no name: staff see it masked

    @property
    def shown_name(self) -> str:
        """As staff tell them apart (a blank name is their masked number)."""
        return staff_name(self.display_name, participant_id=self.participant_id, phone=self.phone)


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date  # in UTC
    signups: int  # every signup through a code that day, rejected ones included
    qualified: int


@dataclass(frozen=True, slots=True)
class WeekCount:
    week: date  # the Monday the week starts on
    count: int
