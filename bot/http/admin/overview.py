"""Overview: the funnel for a period with its rates, per channel, signups and qualified
referrals per day or week, time to convert, and rewards owed by unit. Every number comes from
the reports module (`bot.services.reports`), the same the API and the CLI show."""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.http.admin.chart import bar_charts, buckets
from bot.http.admin.desk import STAFF_LANG, Desk
from bot.http.admin.session import Sessions, Visit, guarded
from bot.services.report_parts import duration
from bot.services.reports import CHANNELS, Period, RewardTotal, per_day, report

PERIODS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days", "365": "Last year"}


def nothing_drawn(*, ever: bool, span: str, channel: str | None) -> str:
    """What the Overview says instead of an empty chart over "– · 0 measured"."""
    if not ever:
        return "No referrals yet: when friends join through a link, the funnel shows here."
    if channel:
        return f"No friend signed up on {channel} {span}: all channels may show some."
    return f"No friend signed up {span}: a longer period may show some."


def rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def overview_routes(desk: Desk, sessions: Sessions) -> list[BaseRoute]:
    def owed(totals: tuple[RewardTotal, ...]) -> list[tuple[str, int, str]]:
        """(state, how many, how much) for rewards not yet paid: pending and approved."""
        unpaid = [t for t in totals if t.status in ("pending", "approved")]
        return [
            (t.status, t.count, t.in_words(desk.catalogs, STAFF_LANG))
            for t in sorted(unpaid, key=lambda t: t.unit == "perk")  # perks after amounts
        ]

    async def page(visit: Visit) -> Response:
        query = visit.request.query_params
        days = query.get("days", "30")
        days = days if days in PERIODS else "30"
        channel = query.get("channel") or None
        channel = channel if channel in CHANNELS else None
        weekly = query.get("by") == "week" or (query.get("by") != "day" and int(days) > 90)
        end = desk.clock.now().date()
        start = end - timedelta(days=int(days) - 1)
        span = f"from {start.isoformat()} to {end.isoformat()}"
        period = Period.of_dates(start, end, channel)
        async with desk.store.snapshot() as tx:  # a report scans: messages go on meanwhile
            found = await report(tx, period)
            daily = await per_day(tx, period)
            points = buckets(daily, start, end, weekly=weekly)
            drawn = any(signups or qualified for _, signups, qualified in points)
            ever = drawn or bool(
                await tx.referrals.page(
                    status=None, referrer_id=None, since=None, before=None, limit=1
                )
            )
        empty = "" if drawn else nothing_drawn(ever=ever, span=span, channel=channel)
        title = f"Signups and qualified referrals per {'week' if weekly else 'day'}"
        chart = bar_charts(points, title=title) if drawn else ""
        return desk.page(
            visit,
            "overview.html",
            here="/admin",
            title="Overview",
            report=found,
            steps=[(s.name, s.count, rate(s.rate)) for s in found.funnel.steps],
            by_channel=[
                f
                for f in found.by_channel
                if f.step("links").count or f.step("signups").count or f.step("clicks").count
            ],
            owed=owed(found.funnel.reward_totals),
            chart=chart,
            empty=empty,
            periods=PERIODS,
            days=days,
            channel=channel or "",
            channels=CHANNELS,
            weekly=weekly,
            to_signup=found.time_to_convert.to_signup,
            to_qualified=found.time_to_convert.to_qualified,
            duration=duration,
            rate=rate,
            span=f"{start.isoformat()} to {end.isoformat()} (UTC)",
        )

    return [Route("/admin", guarded(sessions, page), methods=["GET"])]
