"""A report as JSON: what `GET /api/v1/reports/funnel` and `referral-bot report --json` print.

Pydantic models, so the OpenAPI document states the very shape the API returns.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.core.resources import Instant
from bot.services.report_parts import Funnel, Quantiles
from bot.services.reports import Report


class Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StepOut(Out):
    name: str
    count: int = Field(ge=0)
    rate: float | None = Field(ge=0, description="count / the step before; null after a zero")


class RewardTotalOut(Out):
    status: str
    unit: str
    measure: str | None
    count: int = Field(ge=0)
    amount: str = Field(pattern=r"^[0-9]+(\.[0-9]+)?$")


class RuleCountOut(Out):
    rule: str
    version: int = Field(ge=0)
    status: str
    count: int = Field(ge=0)


class FunnelOut(Out):
    channel: str | None
    steps: list[StepOut]
    pending: int = Field(ge=0)
    rejected: dict[str, int]
    rewards: dict[str, int]
    reward_totals: list[RewardTotalOut]
    by_rule: list[RuleCountOut]


class QuantilesOut(Out):
    count: int = Field(ge=0)
    median_seconds: float | None
    p90_seconds: float | None


class TimeToConvertOut(Out):
    to_signup: QuantilesOut
    to_qualified: QuantilesOut


class TopReferrerOut(Out):
    rank: int = Field(ge=1)
    participant_id: int
    name: str
    company: str | None
    code: str
    signups: int = Field(ge=0)
    qualified: int = Field(ge=0)


class WeekOut(Out):
    week: Date
    count: int = Field(ge=0)


class ReportOut(Out):
    from_: Instant | None = Field(alias="from")
    to: Instant | None
    channel: str | None
    funnel: FunnelOut
    by_channel: list[FunnelOut]
    time_to_convert: TimeToConvertOut
    top_referrers: list[TopReferrerOut]
    new_referrers: list[WeekOut]
    referred_share: float | None = Field(ge=0, le=1)


def funnel_out(funnel: Funnel) -> FunnelOut:
    return FunnelOut(
        channel=funnel.channel,
        steps=[StepOut(name=s.name, count=s.count, rate=s.rate) for s in funnel.steps],
        pending=funnel.pending,
        rejected={r.reason: r.count for r in funnel.rejected},
        rewards={s.status: s.count for s in funnel.rewards},
        reward_totals=[
            RewardTotalOut(
                status=t.status,
                unit=t.unit,
                measure=t.measure,
                count=t.count,
                amount=format(t.amount.normalize(), "f"),
            )
            for t in funnel.reward_totals
        ],
        by_rule=[
            RuleCountOut(rule=r.rule_id, version=r.rule_version, status=r.status, count=r.count)
            for r in funnel.by_rule
        ],
    )


def _quantiles(q: Quantiles) -> QuantilesOut:
    return QuantilesOut(count=q.count, median_seconds=q.median, p90_seconds=q.p90)


def report_out(report: Report) -> ReportOut:
    ttc = report.time_to_convert
    return ReportOut.model_validate(
        {
            "from": report.period.start,
            "to": report.period.end,
            "channel": report.period.channel,
            "funnel": funnel_out(report.funnel),
            "by_channel": [funnel_out(f) for f in report.by_channel],
            "time_to_convert": TimeToConvertOut(
                to_signup=_quantiles(ttc.to_signup), to_qualified=_quantiles(ttc.to_qualified)
            ),
            "top_referrers": [
                TopReferrerOut(
                    rank=t.rank,
                    participant_id=t.participant_id,
                    name=t.display_name,
                    company=t.company,
                    code=t.code,
                    signups=t.signups,
                    qualified=t.qualified,
                )
                for t in report.top_referrers
            ],
            "new_referrers": [WeekOut(week=w.week, count=w.count) for w in report.new_referrers],
            "referred_share": report.referred_share,
        }
    )


def report_json(report: Report) -> dict[str, Any]:
    return report_out(report).model_dump(mode="json", by_alias=True)
