"""A rig per test, on SQLite and on PostgreSQL (the `store` fixture)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.store import Store
from tests.channels.fake_slack import FakeSlack
from tests.staff.kit import NOW, REVIEWER, Rig


@pytest.fixture
async def rig(
    store: Store, clock: FakeClock, slack_api: FakeSlack, tmp_path: Path
) -> AsyncIterator[Rig]:
    clock.set(NOW)
    opened = await Rig.open(store, clock, slack_api, tmp_path, staff=REVIEWER)
    yield opened
    await opened.close()


@pytest.fixture
async def rig_without_sms(
    store: Store, clock: FakeClock, slack_api: FakeSlack, tmp_path: Path
) -> AsyncIterator[Rig]:
    clock.set(NOW)
    opened = await Rig.open(store, clock, slack_api, tmp_path, staff=REVIEWER, without=("sms",))
    yield opened
    await opened.close()
