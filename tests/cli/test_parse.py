"""`referral-bot parse`: what the engine reads in a message, as the owner checks it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.cli import app


def test_control_characters_before_a_keyword_are_dropped() -> None:
    """NUL and SOH before LINK (a paste from a terminal, a broken keyboard app) read as LINK."""
    result = CliRunner().invoke(app, ["parse", "\x00\x01 LINK"])
    assert result.exit_code == 0, result.output
    reading = json.loads(result.stdout)
    assert (reading["intent"], reading["confidence"]) == ("link", 1.0)
    assert json.loads(CliRunner().invoke(app, ["parse", "LINK"]).stdout) == reading
