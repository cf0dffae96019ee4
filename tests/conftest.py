"""Shared fixtures: a real store (SQLite always, PostgreSQL when reachable), a hand-moved clock,
and the bot wired as `app.py` wires it, with a collecting channel standing in for a provider."""

from __future__ import annotations

import asyncio
import functools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.store import Store, open_store

if TYPE_CHECKING:
    from bot.app import ReferralBot
    from tests.channels.fake_slack import FakeSlack, SlackHarness
    from tests.channels.fake_telegram import FakeTelegram
    from tests.fakes import CollectingChannel, Conversation

POSTGRES_URL = os.environ.get(
    "DATABASE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
# The catalogs and grammars beside these tests, also when the environment's editable install
# maps `bot.locales` to another checkout (a git worktree sharing one venv).
os.environ.setdefault("REFERRAL_LOCALES_DIR", str(Path(__file__).resolve().parents[1] / "locales"))


def _postgres_reachable() -> bool:
    async def probe() -> bool:
        import asyncpg

        try:
            conn = await asyncio.wait_for(asyncpg.connect(POSTGRES_URL), 3)
        except Exception:
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


@functools.cache
def postgres_ok() -> bool:
    reachable = _postgres_reachable()
    if not reachable and REQUIRE_POSTGRES:
        raise RuntimeError(f"REQUIRE_POSTGRES=1 but {POSTGRES_URL} is not reachable")
    return reachable


async def _fresh_postgres_url() -> tuple[str, str]:
    """A schema of its own per test, so tests never see each other's rows."""
    import asyncpg

    schema = "t_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(POSTGRES_URL)
    await conn.execute(f"CREATE SCHEMA {schema}")
    await conn.close()
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}search_path={schema}", schema


async def _drop_schema(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL)
    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    await conn.close()


def backend_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of the given kind: sqlite, aiosqlite (the reference driver), postgres."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    if kind == "aiosqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    if not postgres_ok():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    url, schema = asyncio.run(_fresh_postgres_url())
    yield url
    asyncio.run(_drop_schema(schema))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from backend_url(request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    opened = await open_store(database_url)
    yield opened
    await opened.close()


@pytest.fixture
def channel() -> CollectingChannel:
    from tests.fakes import CollectingChannel

    return CollectingChannel("console")


@pytest.fixture
async def bot(
    store: Store, clock: FakeClock, channel: CollectingChannel
) -> AsyncIterator[ReferralBot]:
    from bot.app import build

    settings = Settings(database_url=store.db.url, public_base_url="https://ref.example")
    built = await build(settings, channels=[channel], clock=clock, store=store)
    yield built


@pytest.fixture
def conversation(bot: ReferralBot, channel: CollectingChannel, clock: FakeClock) -> Conversation:
    from tests.fakes import Conversation

    return Conversation(bot=bot, channel=channel, clock=clock)


# -- one running loopback fake per provider, for every test module that talks to one ---------


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlack]:
    """Slack's Web API on loopback (tests/channels/fake_slack.py)."""
    from tests.channels.fake_slack import running_fake

    async with running_fake() as fake:
        yield fake


@pytest.fixture
async def slack(
    sqlite_url: str, clock: FakeClock, slack_api: FakeSlack
) -> AsyncIterator[SlackHarness]:
    """The bot on Slack as app.py wires it, started (auth.test answered), on slack_api."""
    from tests.channels.fake_slack import SlackHarness

    harness = await SlackHarness.open(sqlite_url, clock, slack_api)
    await harness.slack.start()
    yield harness
    await harness.close()


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegram]:
    """Telegram's Bot API on loopback (tests/channels/fake_telegram.py)."""
    from tests.channels.fake_telegram import running_fake

    async with running_fake() as fake:
        yield fake
