"""The referrals export carries each referral's ledger in a `rewards` column."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")  # UTC, Z

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("REFERRAL_PROGRAM", str(EXAMPLES / "two_sided_cash.toml"))
    return url


def test_export_summarises_each_referrals_rewards(db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    chat = runner.invoke(app, ["chat", "--user", "alice"], input="LINK\n")
    code = chat.output.split("/r/")[1][:8]
    runner.invoke(app, ["chat", "--user", "bob"], input=f"JOIN {code}\n")
    runner.invoke(app, ["chat", "--user", "carol"], input="LINK\n")  # no referral, no row
    target = tmp_path / "referrals.csv"
    assert runner.invoke(app, ["export", str(target)]).exit_code == 0
    [row] = list(csv.DictReader(target.open(encoding="utf-8")))
    assert row["rewards"] == "referrer $20.00 pending; friend $20.00 pending"
    assert runner.invoke(app, ["rewards", "approve", "1"]).exit_code == 0
    assert runner.invoke(app, ["export", str(target)]).exit_code == 0
    [row] = list(csv.DictReader(target.open(encoding="utf-8")))
    assert row["rewards"] == "referrer $20.00 approved; friend $20.00 pending"


def test_rewards_list_names_the_person_and_stays_whole_when_piped(db: str) -> None:
    runner = CliRunner()
    chat = runner.invoke(app, ["chat", "--user", "alice"], input="LINK\n")
    code = chat.output.split("/r/")[1][:8]
    runner.invoke(app, ["chat", "--user", "김민수"], input=f"JOIN {code}\n")
    listed = runner.invoke(app, ["rewards", "list"])
    header, *rows = listed.stdout.splitlines()
    assert header == "id\tperson\tside\treward\tstatus\twhy\tclears (UTC)\trule"
    cells = [row.split("\t") for row in rows]
    assert [(c[1], c[2], c[3], c[4]) for c in cells] == [
        ("김민수 (#2)", "friend", "$20.00", "pending"),
        ("alice (#1)", "referrer", "$20.00", "pending"),
    ]


def test_json_lines_write_times_as_the_api_does(db: str) -> None:
    runner = CliRunner()
    chat = runner.invoke(app, ["chat", "--user", "alice"], input="LINK\n")
    code = chat.output.split("/r/")[1][:8]
    runner.invoke(app, ["chat", "--user", "bob"], input=f"JOIN {code}\n")
    rewards = [
        json.loads(line)
        for line in runner.invoke(app, ["rewards", "list", "--json"]).stdout.splitlines()
    ]
    outbox = [
        json.loads(line)
        for line in runner.invoke(app, ["outbox", "list", "--json"]).stdout.splitlines()
    ]
    times = [r[key] for r in rewards for key in ("hold_until", "created_at")]
    times += [row["due_at"] for row in outbox]
    assert len(times) >= 5
    assert [t for t in times if not INSTANT.fullmatch(t)] == []
