"""What browsers are told to refuse: the dashboard inside another site's frame (a disguised
Approve button), and guessing a file's type from its bytes."""

from __future__ import annotations

import httpx

from bot.app import ReferralBot
from bot.core.messages import Address
from tests.http.dashboard_kit import OWNER, code_of, say

BASE = "https://ref.example"
ADMIN_POLICY = (
    "frame-ancestors 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)


async def test_the_dashboard_may_not_be_framed_by_another_site(browser: httpx.AsyncClient) -> None:
    for path in ("/admin/sign-in", "/admin/rewards"):  # a page, and its redirect to sign in
        answer = await browser.get(path)
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-security-policy"] == ADMIN_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
    signed_in = await browser.post("/admin/sign-in", data={"email": OWNER[0], "password": "x"})
    assert signed_in.headers["x-frame-options"] == "DENY"  # refused, and still not frameable


async def test_the_customer_pages_can_be_embedded_but_are_never_sniffed(
    browser: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    alice = Address("console", "alice")
    await say(admin_bot, alice, "my link", "e1", name="Alice")
    for path in ("/chat", f"/welcome?ref={await code_of(admin_bot, alice)}", "/healthz"):
        answer = await browser.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "x-frame-options" not in answer.headers  # a business may embed its chat
        assert "content-security-policy" not in answer.headers
