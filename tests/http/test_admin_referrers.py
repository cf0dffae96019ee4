"""The dashboard's Referrers search, as an owner types into it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.store import Store
from tests.http.dashboard_kit import dashboard_bot, say

BASE = "https://ref.example"


@pytest.fixture
async def admin_bot(store: Store, clock: FakeClock, tmp_path: Path) -> ReferralBot:
    bot = await dashboard_bot(store, tmp_path, BASE, clock=clock)
    for n, name in enumerate(["Kim_Lee", "KimxLee", "Ann 100%", "Bo"]):
        await say(bot, Address("web", f"{n:032x}"), "LINK", f"e{n}", name=name)
    return bot


async def names_found(owner: httpx.AsyncClient, search: str) -> list[str]:
    page = await owner.get("/admin/referrers", params={"q": search})
    assert page.status_code == 200
    return re.findall(r'<a href="/admin/referrers/\d+">([^<]*)</a>', page.text)


async def test_a_search_finds_the_name_typed(owner: httpx.AsyncClient) -> None:
    assert sorted(await names_found(owner, "kim")) == ["Kim_Lee", "KimxLee"]


async def test_an_underscore_is_an_underscore_not_any_letter(owner: httpx.AsyncClient) -> None:
    assert await names_found(owner, "kim_lee") == ["Kim_Lee"]


async def test_a_percent_sign_is_a_percent_sign_not_everyone(owner: httpx.AsyncClient) -> None:
    assert await names_found(owner, "%") == ["Ann 100%"]


async def test_an_unknown_referrer_is_a_dashboard_page_with_a_title(
    owner: httpx.AsyncClient,
) -> None:
    page = await owner.get("/admin/referrers/9999")
    assert page.status_code == 404
    assert "<title>No such referrer · referral-bot</title>" in page.text
    assert "There is no referrer 9999." in page.text
    assert '<a href="/admin/referrers">All referrers</a>' in page.text


@pytest.mark.parametrize("typed", ["99999999999999999999", "9223372036854775808"])
async def test_a_referrer_past_every_id_is_no_such_referrer(
    owner: httpx.AsyncClient, typed: str
) -> None:
    page = await owner.get(f"/admin/referrers/{typed}")
    assert page.status_code == 404
    assert f"There is no referrer {typed}." in page.text


async def test_a_page_number_in_other_digits_is_the_first_page(owner: httpx.AsyncClient) -> None:
    page = await owner.get("/admin/referrers", params={"page": "²"})  # a digit to str.isdigit
    assert page.status_code == 200
    assert "Kim_Lee" in page.text


async def test_a_search_pasted_with_a_nul_finds_the_name_around_it(
    owner: httpx.AsyncClient,
) -> None:
    assert sorted(await names_found(owner, "ki\x00m")) == ["Kim_Lee", "KimxLee"]
