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


async def test_an_empty_program_says_what_will_appear_instead_of_an_empty_chart(
    owner: httpx.AsyncClient,
) -> None:
    page = await owner.get("/admin")
    shown = words(page.text)
    assert "No referrals yet: when friends join through a link, the funnel shows here." in shown
    assert "<svg" not in page.text and "Time to convert" not in shown
    assert "0 measured" not in shown


async def test_a_channel_without_signups_says_where_to_look(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    await refer(admin_bot, "Alice Kim", "Bo")  # on the web chat
    web = await owner.get("/admin?channel=web")
    assert 'class="wide"' in web.text and 'class="phone"' in web.text  # one for each screen
    sms_page = await owner.get("/admin?channel=sms")
    assert "<svg" not in sms_page.text
    sms = words(sms_page.text)
    assert re.search(
        r"No friend signed up on sms from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d: "
        "all channels may show some.",
        sms,
    )


async def test_friends_who_joined_by_code_are_timed_from_their_link_not_a_click(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    await refer(admin_bot, "Alice Kim", "Bo")  # JOIN and the code: nobody opened the link
    shown = words((await owner.get("/admin")).text)
    assert "Link visitors 0" in shown
    # Measured from the first click, or from when the link was handed out when none came.
    assert "Link to signup (median · 90th percentile)under a minute" in shown
    assert "Click to signup" not in shown  # "1 measured" under "Click" with no click at all
