"""The Share button under a link reply in the web chat: it hands the link on (the system's share
sheet, or the clipboard), and sends nothing to the bot."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.conftest import Live
from tests.browser.test_stories import TIMEOUT, chat


async def test_share_copies_the_link_and_sends_nothing_to_the_bot(
    live: Live, browser: Browser
) -> None:
    context = await browser.new_context(locale="en-US")
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.base)
    page = await context.new_page()
    await page.goto(f"{live.base}/chat")
    await expect(page.locator("#status")).to_have_text("Connected", timeout=TIMEOUT)
    await chat(page, "LINK")
    reply = page.locator("li.bot").filter(has_text="/r/")
    await expect(reply).to_be_visible(timeout=TIMEOUT)
    async with live.bot.store.transaction() as tx:
        (row,) = [r for r in await tx.outbox.recent() if r.to.channel == "web"]
    link = next(word for word in row.text.split() if "/r/" in word)

    await reply.get_by_role("button", name="Share").click()
    await expect(page.locator("li.note").last).to_have_text(
        "Link copied. Paste it to a friend.", timeout=TIMEOUT
    )
    assert await page.evaluate("navigator.clipboard.readText()") == link
    await page.screenshot(path=live.shot("chat-share"), full_page=True)
    # The link was not posted as a message: the bot answered only LINK.
    await expect(page.locator("li.me")).to_have_count(1)
    async with live.bot.store.transaction() as tx:
        rows = [r for r in await tx.outbox.recent() if r.to.channel == "web"]
    assert [r.text for r in rows] == [row.text]
    await context.close()
