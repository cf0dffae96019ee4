"""A variable the bot cannot use, as a newcomer meets it: one line naming the variable and what
it needs, exit 2, and never the secret's value; not a page of traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path, env={**os.environ, **env}, input="LINK\n",
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_port_that_is_not_a_number_is_named(tmp_path: Path) -> None:
    result = run(tmp_path, {"PORT": "eighty"}, "serve")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: PORT: Input should be a valid integer, unable to parse string as an integer"
    ]


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["chat", "--user", "alice"]])
def test_a_webhook_secret_that_is_not_base64_is_named_not_shown(
    tmp_path: Path, command: list[str]
) -> None:
    env = {"WEBHOOK_URL": "http://127.0.0.1:9/hooks", "WEBHOOK_SECRET": "whsec_!!!s3cr3t-ish"}
    result = run(tmp_path, env, *command)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: WEBHOOK_SECRET: must be whsec_ followed by base64, as Standard Webhooks "
        "secrets are (a receiver's library makes one)"
    ]
    assert "s3cr3t" not in result.stderr


def test_a_telegram_secret_telegram_would_refuse_is_named_not_shown(tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "my s3cr3t!"}
    result = run(tmp_path, env, "serve", "--port", "1")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: TELEGRAM_WEBHOOK_SECRET: 1 to 256 characters of A-Z a-z 0-9 _ -, as Telegram "
        "takes it (a space or other punctuation makes setWebhook refuse it)"
    ]
    assert "s3cr3t" not in result.stderr


def test_two_mistakes_are_two_lines(tmp_path: Path) -> None:
    result = run(tmp_path, {"PORT": "x", "SHARED_PACING": "maybe"}, "chat")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: PORT: Input should be a valid integer, unable to parse string as an integer",
        "error: SHARED_PACING: Input should be 'auto', 'on' or 'off'",
    ]


def test_a_twilio_number_without_its_country_code_is_named(tmp_path: Path) -> None:
    result = run(tmp_path, {"TWILIO_FROM_NUMBER": "(415) 555-0199"}, "doctor")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: TWILIO_FROM_NUMBER: not a phone number with its country code: write it as "
        "Twilio lists it, like +14155550199"
    ]


def test_a_twilio_number_written_with_spacing_is_the_number_twilio_lists() -> None:
    from bot.core.config import Settings

    assert Settings(twilio_from_number="+1 (415) 555-0199").twilio_from_number == "+14155550199"
    assert Settings(twilio_from_number="  ").twilio_from_number is None
