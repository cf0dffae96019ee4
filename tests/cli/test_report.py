"""`referral-bot report`: the month's funnel as the program owner reads it, and as JSON."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.store import open_store
from tests.core.rewards.kit import buy, join, person, program
from tests.services.test_reports import november


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "100")

    async def build() -> None:
        store = await open_store(url)
        await november(store)
        await store.close()

    asyncio.run(build())
    return url


def test_an_open_period_is_titled_in_words(db: str) -> None:
    everything = CliRunner().invoke(app, ["report"])
    since = CliRunner().invoke(app, ["report", "--from", "2026-11-01"])
    assert everything.output.splitlines()[0].strip() == "Funnel, from the start to now"
    assert since.output.splitlines()[0].strip() == "Funnel, 2026-11-01 to now"


def test_a_day_that_is_not_one_is_named_with_how_to_write_it(db: str) -> None:
    result = CliRunner().invoke(app, ["report", "--from", "2026-13-01"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --from '2026-13-01' is not a day: write it as 2026-11-01 (YYYY-MM-DD)\n"
    )
    spaced = CliRunner().invoke(app, ["report", "--to", " 2026-11-30 "])
    assert spaced.exit_code == 0, spaced.output


def test_the_funnel_is_a_table_with_rates_as_percentages(db: str) -> None:
    result = CliRunner().invoke(app, ["report", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Funnel, 2026-11-01 to 2026-11-30" in result.output
    row = next(line for line in lines if line.startswith("│ signups"))
    assert row.split("│")[2:4] == ["     6 ", " 200.0% "]  # right-aligned
    qualified = next(line for line in lines if line.startswith("│ qualified"))
    assert qualified.split("│")[2:4] == ["     2 ", "  33.3% "]
    assert any("rejected: self_referral" in line and " 1 " in line for line in lines)
    assert any("voided" in line and "$60.00" in line for line in lines)
    assert any("to signup" in line and "3.0 days" in line and "39.0 days" in line for line in lines)
    assert any("Alice" in line and " 2 " in line for line in lines)
    assert "Referred customers among all signups: 80.0%" in result.output


def test_json_for_scripts_and_a_channel_of_its_own(db: str) -> None:
    result = CliRunner().invoke(
        app, ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--channel", "api", "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["channel"] == "api" and body["by_channel"] == []
    assert [s["count"] for s in body["funnel"]["steps"]] == [0, 0, 2, 1]


def test_bad_options_are_refused_clearly(db: str) -> None:
    wrong = CliRunner().invoke(app, ["report", "--channel", "fax"])
    assert wrong.exit_code == 2 and "--channel must be one of sms, telegram" in wrong.output
    backwards = CliRunner().invoke(app, ["report", "--from", "2026-11-30", "--to", "2026-11-01"])
    assert backwards.exit_code == 2 and "--to is before --from" in backwards.output
    garbled = CliRunner().invoke(app, ["report", "--from", "last week"])
    assert garbled.exit_code == 2


def test_rewards_and_quick_conversions_read_as_the_dashboard_says_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ann gets her link, her friend Ben signs up through it 30 seconds later and buys 10
    seconds after that: both earn $20.00."""
    url = f"sqlite:///{tmp_path / 'quick.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "100")
    opened = datetime(2026, 11, 2, 9, tzinfo=UTC)
    purchases = program(qualifying_event="purchase")

    async def build() -> None:
        store = await open_store(url)
        ann, ben = await person(store, "Ann", at=opened), await person(store, "Ben", at=opened)
        async with store.transaction() as tx:
            await tx.participants.mark_link_sent(ann.id, opened, channel="sms")
        await join(store, purchases, ann, ben, at=opened + timedelta(seconds=30))
        await buy(store, purchases, ben, "50", at=opened + timedelta(seconds=40))
        await store.close()

    asyncio.run(build())
    result = CliRunner().invoke(app, ["report", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert result.exit_code == 0, result.output
    rows = [line.split("│")[1:-1] for line in result.output.splitlines() if "│" in line]
    cells = [[cell.strip() for cell in row] for row in rows]
    assert ["pending", "2", "$40.00"] in cells  # Ann's and Ben's $20.00, not "40 USD"
    assert ["to signup", "1", "under a minute", "under a minute"] in cells
    assert ["to qualified", "1", "under a minute", "under a minute"] in cells
