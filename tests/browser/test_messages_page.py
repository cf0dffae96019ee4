"""The Messages page read in a browser: a row whose send failed with a long error still shows
its message in a readable column."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from bot.core.messages import Address
from tests.browser.conftest import Live
from tests.browser.test_stories import sign_in
from tests.http.dashboard_kit import OWNER, say

# What an aiohttp failure's repr used to put in a row's history, at full length.
LONG_ERROR = (
    "transient: ClientConnectorError(ConnectionKey(host='api.twilio.com', port=443, "
    "is_ssl=True, ssl=True, proxy=None, proxy_auth=None, proxy_headers_hash=None, "
    'server_hostname=None), ConnectionRefusedError(111, "Connect call failed '
    "('api.twilio.com', 443)\"))"
)


async def test_a_long_error_leaves_the_message_text_room_to_be_read(
    live: Live, browser: Browser
) -> None:
    alice = Address("web", "a" * 32)
    await say(live.bot, alice, "LINK", "e1", name="Alice Kim")
    async with live.bot.store.transaction() as tx:
        [row] = await tx.outbox.for_address(alice)
        await tx.outbox.mark_dead(row.id, error=LONG_ERROR)
    page = await sign_in(browser, live, *OWNER)
    await page.goto(f"{live.base}/admin/messages")
    line = page.locator(f"#message-{row.id}")
    await expect(line.locator("td.text")).to_contain_text("Here's your personal link")
    await page.screenshot(path=live.shot("admin-messages-long-error"), full_page=True)
    text = await line.locator("td.text").bounding_box()
    date_lines = await line.locator("td.when").evaluate(
        "cell => { const r = document.createRange(); r.selectNodeContents(cell.firstChild);"
        " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"
    )
    assert text is not None
    assert text["width"] >= 256  # 16rem: a sentence a line, not a word
    assert date_lines == 1  # "2026-12-02 17:43", not "2026-12-" over "02 17:43"
