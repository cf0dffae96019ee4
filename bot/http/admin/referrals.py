"""Referrals: filter by status, reason, channel and date; the filtered view as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.core.clock import rfc3339
from bot.core.csv_cells import text_cell
from bot.core.store.admin_views import AdminViews, ReferralFilter, ReferralLine
from bot.core.store.records import REASONS
from bot.http.admin.desk import Desk
from bot.http.admin.session import Sessions, Visit, guarded

STATUSES = ("clicked", "signed_up", "qualified", "rewarded", "rejected")
CHANNELS = ("sms", "telegram", "slack", "web", "console", "api")
CSV_LIMIT = 100_000


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def read_filter(query: QueryParams) -> ReferralFilter:
    """Unknown values are ignored rather than refused: a hand-edited URL still shows a page."""
    since, until = _day(query.get("from")), _day(query.get("to"))
    return ReferralFilter(
        status=query.get("status") if query.get("status") in STATUSES else None,
        reason=query.get("reason") if query.get("reason") in REASONS else None,
        channel=query.get("channel") if query.get("channel") in CHANNELS else None,
        since=None if since is None else datetime.combine(since, time(), UTC),
        until=None if until is None else datetime.combine(until + timedelta(days=1), time(), UTC),
    )


def as_csv(lines: list[ReferralLine]) -> str:
    """With a BOM, as `referral-bot export` writes it, so spreadsheets read 한글 and 中文."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "created_at_utc",
            "referrer_id",
            "referrer",
            "friend_id",
            "friend",
            "code",
            "channel",
            "status",
            "reason",
        ]
    )
    for r in lines:
        writer.writerow(
            [
                r.id,
                rfc3339(r.created_at),
                r.referrer_id,
                text_cell(r.referrer),
                r.friend_id,
                text_cell(r.friend),
                r.code,
                r.channel,
                r.status,
                r.reason or "",
            ]
        )
    return out.getvalue()


def referral_routes(desk: Desk, sessions: Sessions) -> list[BaseRoute]:
    async def listing(visit: Visit) -> Response:
        query = visit.request.query_params
        where = read_filter(query)
        download = query.get("format") == "csv"
        async with desk.store.snapshot() as tx:  # a CSV of up to CSV_LIMIT rows: off the lock
            lines = await AdminViews(tx.conn).referrals(where, limit=CSV_LIMIT if download else 500)
        if download:
            return Response(
                as_csv(lines),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="referrals.csv"'},
            )
        chosen = {key: query.get(key, "") for key in ("status", "reason", "channel", "from", "to")}
        return desk.page(
            visit,
            "referrals.html",
            here="/admin/referrals",
            title="Referrals",
            lines=lines,
            chosen=chosen,
            statuses=STATUSES,
            reasons=REASONS,
            channels=CHANNELS,
            csv_query=urlencode([(k, v) for k, v in query.multi_items() if k != "format"]),
        )

    return [Route("/admin/referrals", guarded(sessions, listing), methods=["GET"])]
