"""A referrer who only ever texted (SMS gives no name) is told apart by their masked number in
the owner's lists, not shown as a blank or a question mark, and never with their whole number."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app import build
from bot.cli import app
from bot.core.config import Settings
from bot.core.messages import Address, Inbound, Profile

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TEXTER = Address("sms", "+14155550001")
runner = CliRunner()


async def texter_refers_a_friend(url: str) -> None:
    """+1 415 555 0001 texts LINK; a friend joins with the code in the terminal chat."""
    bot = await build(Settings(database_url=url))
    try:
        now = bot.clock.now()
        await bot.inbox.message(Inbound(TEXTER, "LINK", "SM1", now, Profile()))
        async with bot.store.transaction() as tx:
            found = await tx.participants.by_address(TEXTER)
        assert found is not None and found[0].display_name == ""
        join = f"JOIN {found[0].code}"
        await bot.inbox.message(
            Inbound(Address("console", "bob"), join, "c1", now, Profile(name="Bob"))
        )
    finally:
        await bot.close()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("REFERRAL_PROGRAM", str(EXAMPLES / "two_sided_cash.toml"))
    monkeypatch.setenv("COLUMNS", "120")
    asyncio.run(texter_refers_a_friend(url))
    return url


def test_the_report_names_an_sms_referrer_by_their_masked_number(db: str) -> None:
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0, result.output
    top = result.output.split("Top referrers")[1].splitlines()
    assert any("│ 1 │ +1 ••• ••• 0001 │" in line for line in top), result.output
    assert "4155550001" not in result.output


def test_the_rewards_list_names_them_the_same_way(db: str) -> None:
    result = runner.invoke(app, ["rewards", "list"])
    assert result.exit_code == 0, result.output
    people = {line.split("\t")[1] for line in result.output.splitlines()[1:]}
    assert people == {"+1 ••• ••• 0001 (#1)", "Bob (#2)"}
    assert "?" not in result.output and "4155550001" not in result.output
