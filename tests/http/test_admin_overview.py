"""The dashboard's Overview as the owner reads it, in words."""

from __future__ import annotations

import re

import httpx

from bot.app import ReferralBot
from bot.core.messages import Address
from tests.http.dashboard_kit import code_of, say


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


async def test_a_top_referrer_with_one_friend_has_one_signup(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    alice = Address("web", "a" * 32)
    await say(admin_bot, alice, "LINK", "e1", name="Alice Kim")
    code = await code_of(admin_bot, alice)
    await say(admin_bot, Address("web", "b" * 32), f"JOIN {code}", "e2", name="Bo")
    page = await owner.get("/admin")
    assert "Alice Kim: 1 signup, 1 qualified" in words(page.text)


async def test_a_top_referrer_with_two_friends_has_two_signups(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    alice = Address("web", "a" * 32)
    await say(admin_bot, alice, "LINK", "e1", name="Alice Kim")
    code = await code_of(admin_bot, alice)
    await say(admin_bot, Address("web", "b" * 32), f"JOIN {code}", "e2", name="Bo")
    await say(admin_bot, Address("web", "c" * 32), f"JOIN {code}", "e3", name="Cy")
    page = await owner.get("/admin")
    assert "Alice Kim: 2 signups, 1 qualified" in words(page.text)  # Cy is held for review
