"""The business's view of its program: one home for the numbers the API, the CLI, the dashboard
and the digest show, so they never disagree.

Public, stable API (everything takes an open transaction and a `Period`):

- `Period(start, end, channel)`: `[start, end)` in UTC, either side open; `Period.of_dates`
  takes calendar dates with `end` inclusive. `channel` narrows to one channel.
- `await funnel(tx, period) -> Funnel`: links handed out, clicks (unique visitors), signups,
  qualified; rejected by reason; rewards by status with totals per unit and currency, and by
  rule version. `Funnel.steps` carry each step's conversion rate from the step before.
- `await funnels(tx, period) -> Funnels`: the overall funnel and one per channel, from the same
  grouped queries (so the channels add up to the whole, clicks aside: one visitor may click
  links from several channels).
- `await time_to_convert(tx, period) -> TimeToConvert`: first click (or link handed out) to
  signup, and signup to qualified: median and p90 (nearest rank), in seconds.
- `await top_referrers(tx, period, limit=10) -> tuple[TopReferrer, ...]`, with real names.
- `await new_referrers(tx, period) -> tuple[WeekCount, ...]`: first counted signup per week.
- `await per_day(tx, period) -> tuple[DayCount, ...]`: signups and qualified per UTC day (days
  with any), for the dashboard's chart.
- `await report(tx, period) -> Report`: all of the above plus the share of referred customers
  among all signups (when the CRM reports unreferred signups too); `report_json(report)`
  (in `bot.services.report_json`) is its JSON form.

What each number counts: a link by when it was first handed out and the channel it went out on;
a click by its day, attributed to the channel its referrer got the link on; a signup, its outcome
and its rewards by when the friend signed up and the channel they came through.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.core.store import Tx
from bot.core.store.records import QUALIFIED, REASONS
from bot.core.store.reports import ReferralGroup, RewardGroup, Step, Window
from bot.services.report_parts import (
    DayCount,
    Funnel,
    FunnelStep,
    Quantiles,
    ReasonCount,
    RewardTotal,
    RuleCount,
    StatusCount,
    TimeToConvert,
    TopReferrer,
    WeekCount,
)

CHANNELS = ("sms", "telegram", "slack", "console", "web", "api")
REWARD_STATUSES = ("pending", "approved", "issued", "voided")

__all__ = [
    "CHANNELS",
    "DayCount",
    "Funnel",
    "FunnelStep",
    "Funnels",
    "Period",
    "Quantiles",
    "ReasonCount",
    "Report",
    "RewardTotal",
    "RuleCount",
    "StatusCount",
    "TimeToConvert",
    "TopReferrer",
    "WeekCount",
    "build_funnel",
    "funnel",
    "funnels",
    "new_referrers",
    "per_day",
    "report",
    "time_to_convert",
    "top_referrers",
]


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime | None = None
    end: datetime | None = None
    channel: str | None = None

    @classmethod
    def of_dates(cls, start: date | None, end: date | None, channel: str | None = None) -> Period:
        """Calendar days in UTC, both ends included."""
        return cls(
            start=None if start is None else datetime.combine(start, time(), tzinfo=UTC),
            # the last calendar day has no day after it: an open end is the same period
            end=None
            if end is None or end == date.max
            else datetime.combine(end + timedelta(days=1), time(), UTC),
            channel=channel,
        )

    @property
    def window(self) -> Window:
        return Window(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Funnels:
    overall: Funnel
    by_channel: tuple[Funnel, ...]  # every channel of CHANNELS, in that order


@dataclass(frozen=True, slots=True)
class Report:
    period: Period
    funnel: Funnel  # the period's channel, or all of them
    by_channel: tuple[Funnel, ...]  # empty when the period names one channel
    time_to_convert: TimeToConvert
    top_referrers: tuple[TopReferrer, ...]
    new_referrers: tuple[WeekCount, ...]
    referred_share: float | None  # None until the CRM reports unreferred signups


def _rate(count: int, before: int) -> float | None:
    return None if before == 0 else count / before


def build_funnel(
    channel: str | None,
    *,
    links: int,
    visitors: int,
    referrals: Iterable[ReferralGroup],
    rewards: Iterable[RewardGroup],
) -> Funnel:
    """The funnel of one channel (None: all) from the store's grouped rows, already filtered."""
    by_status: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for group in referrals:
        by_status[group.status] += group.count
        if group.reason is not None:
            rejected[group.reason] += group.count
    signups = sum(by_status.values())
    qualified = sum(by_status[status] for status in QUALIFIED)
    counts = [("links", links), ("clicks", visitors), ("signups", signups)]
    counts.append(("qualified", qualified))
    steps = [FunnelStep("links", links, None)]
    for (name, count), (_, before) in zip(counts[1:], counts[:-1], strict=True):
        steps.append(FunnelStep(name, count, _rate(count, before)))
    return Funnel(
        channel=channel,
        steps=tuple(steps),
        pending=by_status["signed_up"],
        rejected=tuple(ReasonCount(reason, rejected[reason]) for reason in REASONS),
        rewards=_reward_statuses(rewards),
        reward_totals=_reward_totals(rewards),
        by_rule=_by_rule(rewards),
    )


def _reward_statuses(rewards: Iterable[RewardGroup]) -> tuple[StatusCount, ...]:
    counts: Counter[str] = Counter()
    for group in rewards:
        counts[group.status] += group.count
    return tuple(StatusCount(status, counts[status]) for status in REWARD_STATUSES)


def _reward_totals(rewards: Iterable[RewardGroup]) -> tuple[RewardTotal, ...]:
    totals: dict[tuple[str, str, str], RewardTotal] = {}
    for g in rewards:
        key = (g.status, g.unit, g.measure or "")
        seen = totals.get(key, RewardTotal(g.status, g.unit, g.measure, 0, 0 * g.amount))
        totals[key] = RewardTotal(
            g.status, g.unit, g.measure, seen.count + g.count, seen.amount + g.amount
        )
    order = {status: i for i, status in enumerate(REWARD_STATUSES)}
    return tuple(sorted(totals.values(), key=lambda t: (order[t.status], t.unit, t.measure or "")))


def _by_rule(rewards: Iterable[RewardGroup]) -> tuple[RuleCount, ...]:
    counts: Counter[tuple[str, int, str]] = Counter()
    for g in rewards:
        counts[(g.rule_id, g.rule_version, g.status)] += g.count
    return tuple(
        RuleCount(rule, version, status, n) for (rule, version, status), n in sorted(counts.items())
    )


async def funnels(tx: Tx, period: Period) -> Funnels:
    window = period.window
    links = await tx.reports.links(window)
    visitors = await tx.reports.visitors(window)
    referrals = await tx.reports.referrals(window)
    rewards = await tx.reports.rewards(window)

    def of(channel: str) -> Funnel:
        return build_funnel(
            channel,
            links=links.get(channel, 0),
            visitors=visitors.get(channel, 0),
            referrals=[g for g in referrals if g.channel == channel],
            rewards=[g for g in rewards if g.channel == channel],
        )

    overall = build_funnel(
        None,
        links=sum(links.values()),
        visitors=await tx.reports.all_visitors(window),
        referrals=referrals,
        rewards=rewards,
    )
    return Funnels(overall, tuple(of(channel) for channel in CHANNELS))


def _pick(found: Funnels, channel: str | None) -> Funnel:
    if channel is None:
        return found.overall
    for one in found.by_channel:
        if one.channel == channel:
            return one
    return build_funnel(channel, links=0, visitors=0, referrals=(), rewards=())


async def funnel(tx: Tx, period: Period) -> Funnel:
    return _pick(await funnels(tx, period), period.channel)


async def _quantiles(tx: Tx, step: Step, period: Period) -> Quantiles:
    """Nearest rank: the p-quantile of n values is the one at rank ceil(p * n)."""
    n = await tx.reports.duration_count(step, period.window, period.channel)
    if n == 0:
        return Quantiles(0, None, None)
    values = []
    for p in (0.5, 0.9):
        micros = await tx.reports.duration_at(
            step, period.window, period.channel, math.ceil(p * n) - 1
        )
        values.append(None if micros is None else micros / 1_000_000)
    return Quantiles(n, values[0], values[1])


async def time_to_convert(tx: Tx, period: Period) -> TimeToConvert:
    return TimeToConvert(
        to_signup=await _quantiles(tx, "signup", period),
        to_qualified=await _quantiles(tx, "qualify", period),
    )


async def top_referrers(tx: Tx, period: Period, *, limit: int = 10) -> tuple[TopReferrer, ...]:
    lines = await tx.reports.top_referrers(period.window, period.channel, limit=limit)
    return tuple(
        TopReferrer(
            i + 1,
            r.participant_id,
            r.display_name,
            r.company,
            r.code,
            r.signups,
            r.qualified,
            r.phone,
        )
        for i, r in enumerate(lines)
    )


async def new_referrers(tx: Tx, period: Period) -> tuple[WeekCount, ...]:
    monday = date(1970, 1, 5)
    weeks = await tx.reports.new_referrers(period.window, period.channel)
    return tuple(WeekCount(monday + timedelta(weeks=week), count) for week, count in weeks)


async def per_day(tx: Tx, period: Period) -> tuple[DayCount, ...]:
    epoch = date(1970, 1, 1)
    days = await tx.reports.per_day(period.window, period.channel)
    return tuple(DayCount(epoch + timedelta(days=d), s, q) for d, s, q in days)


async def report(tx: Tx, period: Period) -> Report:
    found = await funnels(tx, period)
    main = _pick(found, period.channel)
    unreferred = await tx.reports.unreferred_signups(period.window)
    referred = main.step("signups").count - sum(r.count for r in main.rejected)
    return Report(
        period=period,
        funnel=main,
        by_channel=() if period.channel else found.by_channel,
        time_to_convert=await time_to_convert(tx, period),
        top_referrers=await top_referrers(tx, period),
        new_referrers=await new_referrers(tx, period),
        referred_share=None if unreferred == 0 else referred / (referred + unreferred),
    )
