"""The dashboard's Referrals page and its CSV, opened the way an owner opens it: in a
spreadsheet, with Korean and Chinese names."""

from __future__ import annotations

import httpx

from bot.app import ReferralBot
from tests.http.dashboard_kit import refer


async def test_the_csv_starts_with_a_bom_so_spreadsheets_read_hangul_and_hanzi(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    await refer(admin_bot, "김민지", "陳大文")
    download = await owner.get("/admin/referrals?format=csv")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.content.startswith("\ufeff".encode())  # what Excel needs to read UTF-8
    lines = download.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,created_at_utc,referrer_id,referrer,")
    assert lines[1].split(",")[1] == "2026-11-23T15:00:00.000Z"  # as the API writes times
    assert "김민지" in lines[1] and "陳大文" in lines[1]
