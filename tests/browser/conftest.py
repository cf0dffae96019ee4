"""A real browser (Debian's Chromium, driven by Playwright) against the app served for real on a
loopback port. Nothing is downloaded: without /usr/bin/chromium these tests skip and say why."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import ReferralBot
from bot.core.store import open_store
from bot.web import create_app
from tests.http.dashboard_kit import dashboard_bot
from tests.live_server import bind, serving

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not os.path.exists(CHROMIUM):
    pytest.skip(
        f"no Chromium at {CHROMIUM}: apt-get install -y chromium (.ci/run does)",
        allow_module_level=True,
    )

from playwright.async_api import Browser, async_playwright  # noqa: E402


@dataclass
class Live:
    bot: ReferralBot
    base: str
    shots: Path

    def shot(self, name: str) -> str:
        return str(self.shots / f"{name}.png")


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    store = await open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    sock, base = bind()
    bot = await dashboard_bot(store, tmp_path, base, clock=None)  # real time: a real dispatcher
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        async with serving(create_app(bot), sock):
            yield Live(bot, base, shots)
    finally:
        await bot.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()
