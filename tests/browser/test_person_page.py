"""A referrer's own page read on a phone: everything on it fits the screen's width."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.conftest import Live
from tests.browser.test_stories import sign_in
from tests.http.dashboard_kit import OWNER, refer

PHONE = {"width": 375, "height": 800}


async def test_the_referral_link_wraps_inside_a_phone_s_width(live: Live, browser: Browser) -> None:
    await refer(live.bot, "Alice Kim", "Bo")
    page = await sign_in(browser, live, *OWNER)
    await page.set_viewport_size(PHONE)
    await page.get_by_role("link", name="Referrers").click()
    await page.get_by_role("link", name="Alice Kim").click()
    link = page.locator("dl.facts a[href*='/r/']")
    await expect(link).to_be_visible()
    await page.screenshot(path=live.shot("admin-person-phone"), full_page=True)
    box = await link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"]  # 380 and more: the link ran past the edge
