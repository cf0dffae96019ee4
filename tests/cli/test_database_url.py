"""A DATABASE_URL that cannot be used, as a newcomer meets it: the command says so on one line
(without the URL's password) and exits 2, instead of a page of traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path, env=env, input="LINK\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("command", [["chat", "--user", "alice"], ["serve", "--port", "1"]])
def test_an_unsupported_url_is_one_line_without_its_password(
    tmp_path: Path, command: list[str]
) -> None:
    result = run(tmp_path, "mysql://shop:hunter2@db.example/referrals", *command)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: DATABASE_URL 'mysql://shop:***@db.example/referrals' is not supported: "
        "use sqlite:///path.db or postgresql://..."
    )
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr


def test_a_postgres_server_that_is_not_there_is_named(tmp_path: Path) -> None:
    result = run(tmp_path, "postgresql://shop:hunter2@127.0.0.1:1/referrals", "chat")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "error: cannot open the database postgresql://shop:***@127.0.0.1:1/referrals ("
    )
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr


def test_a_sqlite_file_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database's folder should be")
    result = run(tmp_path, f"sqlite:///{blocker}/bot.db", "db", "upgrade")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot open the database sqlite:///{blocker}/bot.db (")
    assert "Traceback" not in result.stderr
