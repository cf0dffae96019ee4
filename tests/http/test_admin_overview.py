"""The dashboard's Overview as the owner reads it, in words."""

from __future__ import annotations

import re

import httpx

from bot.app import ReferralBot
from tests.http.dashboard_kit import refer


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


async def test_a_top_referrer_with_one_friend_has_one_signup(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    await refer(admin_bot, "Alice Kim", "Bo")
    page = await owner.get("/admin")
    assert "Alice Kim: 1 signup, 1 qualified" in words(page.text)


async def test_a_top_referrer_with_two_friends_has_two_signups(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    await refer(admin_bot, "Alice Kim", "Bo", "Cy")
    page = await owner.get("/admin")
    assert "Alice Kim: 2 signups, 1 qualified" in words(page.text)  # Cy is held for review
