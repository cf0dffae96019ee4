"""The Overview read in a browser: an empty program says what will appear, and the chart of a
busy one is legible on a phone."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import Live
from tests.browser.test_stories import sign_in
from tests.http.dashboard_kit import OWNER, refer

PHONE = {"width": 375, "height": 800}


async def smallest_date_label(page: Page) -> float:
    """The height in CSS pixels of the smallest date under the bars of the chart shown."""
    heights: list[float] = await page.locator(".chart").evaluate(
        "figure => [...figure.querySelectorAll('svg')]"
        ".filter(svg => getComputedStyle(svg).display !== 'none')"
        ".flatMap(svg => [...svg.querySelectorAll('text')])"
        ".filter(t => /[A-Z][a-z]{2} \\d\\d/.test(t.textContent))"
        ".map(t => t.getBoundingClientRect().height)"
    )
    assert heights, "no date labels shown"
    return min(heights)


async def test_an_empty_program_says_what_will_appear_on_a_desk_and_a_phone(
    live: Live, browser: Browser
) -> None:
    page = await sign_in(browser, live, *OWNER)
    empty = page.locator("p.empty")
    await expect(empty).to_have_text(
        "No referrals yet: when friends join through a link, the funnel shows here."
    )
    await page.screenshot(path=live.shot("admin-overview-empty"), full_page=True)
    assert await page.locator(".chart").count() == 0
    assert await page.get_by_text("0 measured").count() == 0
    await page.set_viewport_size(PHONE)
    await expect(empty).to_be_visible()
    box = await empty.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    await page.screenshot(path=live.shot("admin-overview-empty-phone"), full_page=True)


async def test_the_chart_s_dates_are_legible_on_a_phone(live: Live, browser: Browser) -> None:
    await refer(live.bot, "Alice Kim", "Bo", "Cy")
    page = await sign_in(browser, live, *OWNER)
    await expect(page.locator(".chart svg.wide")).to_be_visible()
    assert await smallest_date_label(page) >= 10
    await page.set_viewport_size(PHONE)
    await expect(page.locator(".chart svg.phone")).to_be_visible()
    await expect(page.locator(".chart svg.wide")).to_be_hidden()
    await page.screenshot(path=live.shot("admin-overview-phone"), full_page=True)
    assert await smallest_date_label(page) >= 10  # the wide drawing's were 5 px here
