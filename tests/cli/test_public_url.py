"""Where the commands say the bot is: PUBLIC_BASE_URL when it is set, otherwise where `serve`
listens (PORT, or its --host and --port)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli.commands import app
from bot.cli.serve import follow_port
from bot.core.config import Settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def served(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0  # as `serve` would have


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"PORT": "9123"}, "sign in at http://localhost:9123/admin"),
        (
            {"PORT": "9123", "PUBLIC_BASE_URL": "https://referrals.shop.example"},
            "sign in at https://referrals.shop.example/admin",
        ),
        ({"PUBLIC_BASE_URL": ""}, "sign in at http://localhost:8000/admin"),  # blank is unset
    ],
)
def test_admin_add_sends_the_owner_where_the_dashboard_answers(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], said: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["admin", "add", "ann@shop.example"], input="a long secret\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"added ann@shop.example (owner); {said}"


def test_serve_points_links_where_it_listens_unless_a_public_url_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "9123")
    assert Settings().public_base_url == "http://localhost:9123"
    assert follow_port(Settings(), "0.0.0.0", 9200).public_base_url == "http://localhost:9200"
    assert follow_port(Settings(), "10.0.0.7", 9123).public_base_url == "http://10.0.0.7:9123"
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://referrals.shop.example")
    public = follow_port(Settings(), "0.0.0.0", 9200)
    assert public.public_base_url == "https://referrals.shop.example"
