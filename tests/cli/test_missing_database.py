"""Run in the wrong folder, a command that reads or administers the program says there is no
database there and makes none; the commands that start a program make one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
NO_DATABASE = (
    "error: No database at {file}: run this where `referral-bot serve` runs, or set "
    "DATABASE_URL (`referral-bot db upgrade` makes a new one)"
)


@pytest.fixture
def wrong_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with no database in it, DATABASE_URL unset: `referral-bot.db` here is meant."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("WEBHOOK_URL", "https://crm.example/hooks")
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [
        ["export", "referrals.csv"],
        ["report"],
        ["report", "--json"],
        ["rewards", "list"],
        ["rewards", "approve", "1"],
        ["rewards", "void", "1", "--reason", "duplicate"],
        ["rewards", "release"],
        ["outbox", "list"],
        ["outbox", "retry", "--all"],
        ["webhooks", "resume", "https://crm.example/hooks"],
        ["admin", "add", "ann@shop.example"],
        ["admin", "list"],
        ["admin", "remove", "ann@shop.example"],
    ],
    ids=" ".join,
)
def test_a_command_on_the_programs_data_refuses_a_missing_database(
    wrong_folder: Path, command: list[str]
) -> None:
    result = runner.invoke(app, command, input="a long enough password\n")
    assert result.exit_code == 2
    assert result.output.strip() == NO_DATABASE.format(file=wrong_folder / "referral-bot.db")
    assert list(wrong_folder.iterdir()) == []  # no database, and no empty referrals.csv


def test_doctor_looks_and_makes_nothing(wrong_folder: Path) -> None:
    result = runner.invoke(app, ["doctor"])
    assert (
        f"ok   database    {wrong_folder / 'referral-bot.db'} (not created yet: `serve` or "
        "`db upgrade` makes it, and the other commands need it)"
    ) in result.output
    assert list(wrong_folder.iterdir()) == []


def test_db_upgrade_makes_the_database_and_the_others_then_use_it(wrong_folder: Path) -> None:
    made = runner.invoke(app, ["db", "upgrade"])
    assert made.exit_code == 0 and made.output.startswith("applied: 0001_initial.sql, ")
    assert (wrong_folder / "referral-bot.db").is_file()
    listed = runner.invoke(app, ["admin", "list"])
    assert listed.output == "Nobody may sign in yet: referral-bot admin add you@example.com\n"
    exported = runner.invoke(app, ["export", "referrals.csv"])
    assert exported.output == "wrote 0 referrals to referrals.csv\n"


def test_importing_customers_makes_the_database(wrong_folder: Path) -> None:
    (wrong_folder / "customers.csv").write_text("name,phone\nKim Minsu,+821012345678\n")
    result = runner.invoke(app, ["import", "customers.csv"])
    assert result.exit_code == 0, result.output
    assert "1 rows: 1 created, 0 updated, 0 unchanged, 0 rejected" in result.output
    assert (wrong_folder / "referral-bot.db").is_file()


def test_chat_makes_the_database_and_says_so(wrong_folder: Path) -> None:
    result = runner.invoke(app, ["chat", "--user", "alice"], input="LINK\n")
    assert result.exit_code == 0, result.output
    assert f"A new database: {wrong_folder / 'referral-bot.db'}" in result.output
    assert (wrong_folder / "referral-bot.db").is_file()


def test_serve_says_where_it_made_the_database(tmp_path: Path) -> None:
    """The owner's next command, `admin add`, must run where that file is. (The port is taken,
    so serve stops right after making it.)"""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PUBLIC_BASE_URL")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        first, again = (
            subprocess.run(
                [sys.executable, "-m", "bot", "serve", "--port", port],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            for _ in range(2)
        )
    database = tmp_path / "referral-bot.db"
    assert database.is_file()
    assert f"INFO bot: A new database: {database} (DATABASE_URL chooses another)" in first.stderr
    assert "A new database" not in again.stderr
