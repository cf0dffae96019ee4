"""A newcomer's first visit to each page, with the browser's console open: nothing in it, and
no request leaving this server."""

from __future__ import annotations

from playwright.async_api import Browser, ConsoleMessage, Request

from bot.core.messages import Address
from tests.browser.conftest import Live
from tests.http.dashboard_kit import OWNER, code_of, say

SETTLE = 1_000  # ms after load for what a browser asks for by itself (its tab's icon)

PAGES = ["/chat", "/welcome?ref={code}", "/admin/sign-in", "/admin", "/admin/program"]


async def test_a_first_visit_to_each_page_logs_no_console_error(
    live: Live, browser: Browser
) -> None:
    alice = Address("web", "a" * 32)
    await say(live.bot, alice, "LINK", "e1", name="Alice Kim")
    code = await code_of(live.bot, alice)
    said: list[str] = []
    outside: list[str] = []

    def asked(request: Request) -> None:
        if not request.url.startswith(live.base):
            outside.append(request.url)

    for path in PAGES:
        # A first visit each time: nothing cached. No context.route(): with one, Chromium
        # does not ask for the tab's icon, and that request is what a newcomer's console shows.
        context = await browser.new_context()
        page = await context.new_page()
        page.on("request", asked)

        def log(message: ConsoleMessage, path: str = path) -> None:
            if message.type in ("error", "warning"):
                said.append(f"{path}: {message.text} ({message.location.get('url')})")

        page.on("console", log)
        if path.startswith("/admin/program"):
            await page.goto(f"{live.base}/admin/sign-in")
            await page.fill("input[name=email]", OWNER[0])
            await page.fill("input[name=password]", OWNER[1])
            await page.click("button[type=submit]")
        await page.goto(live.base + path.format(code=code))
        await page.wait_for_timeout(SETTLE)
        await context.close()
    assert said == []
    assert outside == []
