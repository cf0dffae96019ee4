"""`referral-bot docs`: the guides `doctor` points at, there wherever the package is installed."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


def test_the_guides_are_listed_with_the_file_each_is_in() -> None:
    result = runner.invoke(app, ["docs"])
    assert result.exit_code == 0, result.output
    listed = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert list(listed) == ["architecture", "slack", "telegram", "twilio"]
    assert listed["twilio"].startswith("twilio        SMS through Twilio  (")
    shipped = Path(listed["twilio"].rsplit("(", 1)[1].rstrip(")"))
    assert shipped.name == "twilio.md" and shipped.is_file()


def test_a_guide_doctor_names_prints_as_written() -> None:
    result = runner.invoke(app, ["docs", "twilio"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "# SMS through Twilio"
    assert "`referral-bot twilio setup`" in result.stdout
    assert runner.invoke(app, ["docs", "Telegram"]).stdout.startswith("# Telegram\n")


def test_an_unknown_guide_is_named_with_the_ones_there_are() -> None:
    result = runner.invoke(app, ["docs", "fax"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: no guide 'fax'; the guides are architecture, slack, telegram, twilio\n"
    )
