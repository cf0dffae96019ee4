"""The dashboard's Referrals page and its CSV, opened the way an owner opens it: in a
spreadsheet, with Korean and Chinese names."""

from __future__ import annotations

import httpx

from bot.app import ReferralBot
from bot.core.messages import Address
from tests.http.dashboard_kit import code_of, say


async def test_the_csv_starts_with_a_bom_so_spreadsheets_read_hangul_and_hanzi(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    alice = Address("web", "a" * 32)
    await say(admin_bot, alice, "LINK", "e1", name="김민지")
    code = await code_of(admin_bot, alice)
    await say(admin_bot, Address("web", "b" * 32), f"JOIN {code}", "e2", name="陳大文")
    download = await owner.get("/admin/referrals?format=csv")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.content.startswith("\ufeff".encode())  # what Excel needs to read UTF-8
    lines = download.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,created_at_utc,referrer_id,referrer,")
    assert "김민지" in lines[1] and "陳大文" in lines[1]
