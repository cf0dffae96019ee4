"""The dashboard names a referrer who only ever texted (SMS gives no name) by their masked
number on every list, and someone known by no number by their participant number: never a
blank, never "(no name)", and never the whole number outside their own page."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.store import Store
from tests.http.dashboard_kit import code_of, dashboard_bot, say

TEXTER = Address("sms", "+14155550001")
MASKED = "+1 ••• ••• 0001"


@pytest.fixture
async def admin_bot(store: Store, clock: FakeClock, tmp_path: Path) -> ReferralBot:
    """The texter's friend joins from the web chat without a name too: their visitor id is no
    number, so they are `participant #2`."""
    bot = await dashboard_bot(store, tmp_path, "https://ref.example", clock=clock)
    await say(bot, TEXTER, "LINK", "SM1")
    await say(bot, Address("web", "f" * 32), f"JOIN {await code_of(bot, TEXTER)}", "w1")
    return bot


def linked_names(page: httpx.Response) -> list[str]:
    assert page.status_code == 200
    return re.findall(r'<a href="/admin/referrers/\d+">([^<]*)</a>', page.text)


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("/admin", [MASKED]),  # the overview's top referrers
        ("/admin/referrers", [MASKED, "participant #2"]),
        ("/admin/referrals", [MASKED, "participant #2"]),
        ("/admin/rewards", [MASKED, "participant #2"]),
    ],
)
async def test_every_list_tells_the_nameless_apart(
    owner: httpx.AsyncClient, path: str, names: list[str]
) -> None:
    page = await owner.get(path)
    assert sorted(set(linked_names(page))) == sorted(names)
    assert "(no name)" not in page.text and "4155550001" not in page.text


async def test_their_own_page_is_titled_with_the_masked_number(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    async with admin_bot.store.transaction() as tx:
        found = await tx.participants.by_address(TEXTER)
    assert found is not None
    page = await owner.get(f"/admin/referrers/{found[0].id}")
    assert f"<h1>{MASKED}</h1>" in page.text
    assert linked_names(page) == ["participant #2"]  # the friend they brought
