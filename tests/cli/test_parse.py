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


def test_a_keyword_in_terminal_colours_reads_as_the_keyword() -> None:
    """ "\\x1b[0mLINK" (a paste from a coloured terminal) is LINK, not "[0mLINK"."""
    for text in ("\x1b[0mLINK", "\x1b[1;32mLINK\x1b[0m", "\x1b]8;;https://x.example\x07LINK"):
        result = CliRunner().invoke(app, ["parse", text])
        assert result.exit_code == 0, result.output
        reading = json.loads(result.stdout)
        assert (reading["intent"], reading["confidence"]) == ("link", 1.0), text
