"""A report as JSON: what `GET /api/v1/reports/funnel` and `referral-bot report --json` print."""

from __future__ import annotations

from typing import Any

from bot.services.report_parts import Funnel, Quantiles
from bot.services.reports import Report


def funnel_json(funnel: Funnel) -> dict[str, Any]:
    return {
        "channel": funnel.channel,
        "steps": [{"name": s.name, "count": s.count, "rate": s.rate} for s in funnel.steps],
        "pending": funnel.pending,
        "rejected": {r.reason: r.count for r in funnel.rejected},
        "rewards": {s.status: s.count for s in funnel.rewards},
        "reward_totals": [
            {
                "status": t.status,
                "unit": t.unit,
                "measure": t.measure,
                "count": t.count,
                "amount": str(t.amount),
            }
            for t in funnel.reward_totals
        ],
        "by_rule": [
            {"rule": r.rule_id, "version": r.rule_version, "status": r.status, "count": r.count}
            for r in funnel.by_rule
        ],
    }


def _quantiles(q: Quantiles) -> dict[str, Any]:
    return {"count": q.count, "median_seconds": q.median, "p90_seconds": q.p90}


def report_json(report: Report) -> dict[str, Any]:
    period = report.period
    return {
        "from": None if period.start is None else period.start.isoformat(),
        "to": None if period.end is None else period.end.isoformat(),
        "channel": period.channel,
        "funnel": funnel_json(report.funnel),
        "by_channel": [funnel_json(f) for f in report.by_channel],
        "time_to_convert": {
            "to_signup": _quantiles(report.time_to_convert.to_signup),
            "to_qualified": _quantiles(report.time_to_convert.to_qualified),
        },
        "top_referrers": [
            {
                "rank": t.rank,
                "participant_id": t.participant_id,
                "name": t.display_name,
                "company": t.company,
                "code": t.code,
                "signups": t.signups,
                "qualified": t.qualified,
            }
            for t in report.top_referrers
        ],
        "new_referrers": [
            {"week": w.week.isoformat(), "count": w.count} for w in report.new_referrers
        ],
        "referred_share": report.referred_share,
    }
