"""What browsers are told to refuse: the dashboard inside another site's frame (a disguised
Approve button), and guessing a file's type from its bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.store import Store
from bot.web import create_app
from tests.http.dashboard_kit import OWNER, code_of, dashboard_bot, say

BASE = "https://ref.example"


@pytest.fixture
async def bot(store: Store, clock: FakeClock, tmp_path: Path) -> ReferralBot:
    return await dashboard_bot(store, tmp_path, BASE, clock=clock)


@pytest.fixture
async def site(bot: ReferralBot) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(bot, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


async def test_the_dashboard_may_not_be_framed_by_another_site(site: httpx.AsyncClient) -> None:
    for path in ("/admin/sign-in", "/admin/rewards"):  # a page, and its redirect to sign in
        answer = await site.get(path)
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert answer.headers["x-content-type-options"] == "nosniff"
    signed_in = await site.post("/admin/sign-in", data={"email": OWNER[0], "password": "x"})
    assert signed_in.headers["x-frame-options"] == "DENY"  # refused, and still not frameable


async def test_the_customer_pages_can_be_embedded_but_are_never_sniffed(
    site: httpx.AsyncClient, bot: ReferralBot
) -> None:
    alice = Address("console", "alice")
    await say(bot, alice, "my link", "e1", name="Alice")
    for path in ("/chat", f"/welcome?ref={await code_of(bot, alice)}", "/healthz"):
        answer = await site.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "x-frame-options" not in answer.headers  # a business may embed its chat
        assert "content-security-policy" not in answer.headers
