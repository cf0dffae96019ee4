"""The web app as a browser or a CRM sees it: real routes through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp

from bot.app import ReferralBot, build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.store import Store
from bot.web import create_app
from tests.fakes import CollectingChannel
from tests.http.dashboard_kit import OWNER, dashboard_bot, on_network, sign_in

TOKEN = "s3cret-token"


@pytest.fixture
async def web_bot(store: Store, clock: FakeClock, channel: CollectingChannel) -> ReferralBot:
    settings = Settings(
        database_url=store.db.url,
        public_base_url="https://ref.example",
        referral_api_token=TOKEN,
    )
    return await build(settings, channels=[channel], clock=clock, store=store)


@pytest.fixture
async def web(web_bot: ReferralBot) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(web_bot, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://ref.example") as client:
        yield client


@pytest.fixture
async def admin_bot(store: Store, clock: FakeClock, tmp_path: Path) -> ReferralBot:
    """The bot behind the dashboard pages, with an owner and a viewer who can sign in."""
    return await dashboard_bot(store, tmp_path, "https://ref.example", clock=clock)


@pytest.fixture
def admin_app(admin_bot: ReferralBot) -> ASGIApp:
    """The web app over `admin_bot`: one app, so every browser on it meets one sign-in limit."""
    return create_app(admin_bot, run_background=False)


@pytest.fixture
async def browser(admin_app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """A browser on the bot's site, not signed in."""
    async with on_network(admin_app, "127.0.0.1") as client:
        yield client


@pytest.fixture
async def owner(browser: httpx.AsyncClient) -> httpx.AsyncClient:
    """A browser signed in to the dashboard as its owner."""
    await sign_in(browser, *OWNER)
    return browser
