"""Every command answers --help in plain words: option names without type noise, an example."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.plain_help import plain_term

# Type placeholders: typer's rich style (<str>, <int range>) and click's (TEXT, INTEGER).
NOISE = re.compile(r"<[a-z ]+>|\b(?:TEXT|INTEGER|BOOLEAN|FLOAT|PATH|FILENAME)\b")


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):  # a group (typer's own classes, not click's)
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_the_commands_are_all_here() -> None:
    names = {" ".join(path) for path in COMMANDS}
    assert {
        "chat", "parse", "serve", "worker", "doctor", "import", "export", "db upgrade",
        "outbox list", "outbox retry", "rewards list", "rewards approve", "program check",
        "program example", "slack manifest", "telegram setup", "twilio setup", "admin add",
        "admin remove", "admin list", "docs",
    } <= names  # fmt: skip


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_help_is_plain_and_shows_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    assert NOISE.findall(result.stdout) == []
    assert "Example" in result.stdout
    assert f"referral-bot {' '.join(path)}" in result.stdout.split("Example", 1)[1]


def test_the_top_level_help_and_the_version() -> None:
    runner = CliRunner()
    top = runner.invoke(app, ["--help"]).stdout
    assert "--version" in top and "Example" in top and NOISE.findall(top) == []
    assert runner.invoke(app, ["--version"]).stdout.startswith("referral-bot ")


@pytest.mark.parametrize(
    ("typer_says", "we_say"),
    [
        ("--channel <str>", "--channel CHANNEL"),
        ("--from <%Y-%m-%d>", "--from YYYY-MM-DD"),
        ("--limit <int range>", "--limit LIMIT"),
        ("EMAIL <str>", "EMAIL"),
        ("--user NAME", "--user NAME"),
        ("--json", "--json"),
    ],
)
def test_a_placeholder_becomes_a_name(typer_says: str, we_say: str) -> None:
    assert plain_term(typer_says) == we_say


def test_serve_and_worker_start_without_the_other_commands_loaded() -> None:
    """A long-running process keeps what it imports: the importers, argon2 and rich tables of
    the other commands stay out of it (about 10 MB)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "sys.argv = ['referral-bot', 'serve', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('bot.cli.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert "Run the web server, the channels, the dispatcher and the clock." in done.stdout
    loaded = done.stdout.strip().splitlines()[-1]
    assert "bot.cli.serve" in loaded
    for other in ("bot.cli.admin", "bot.cli.customers", "bot.cli.report", "bot.cli.commands"):
        assert other not in loaded
