"""Tables stay whole: folded on a narrow terminal, tab-separated when piped."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from bot.cli.tables import show

LINK = "Here's your personal link: https://ref.example/r/R6MX4Q66"


def test_a_narrow_terminal_folds_cells_and_loses_no_character() -> None:
    screen = io.StringIO()
    narrow = Console(file=screen, width=40, force_terminal=True, color_system=None)
    show(("id", "to", "status", "text"), [("5", "console:zed", "sent", LINK)], console=narrow)
    header, *body = screen.getvalue().splitlines()
    assert all(len(line) <= 40 for line in [header, *body])
    start = header.index("text")
    folded = "".join(line[start:] for line in body)
    assert re.sub(r"\s", "", folded) == re.sub(r"\s", "", LINK)
    assert "…" not in screen.getvalue()


def test_piped_output_is_one_tab_separated_line_a_row(capsys: pytest.CaptureFixture[str]) -> None:
    piped = Console(file=io.StringIO(), force_terminal=False)
    show(("id", "person", "text"), [("7", "김민수 (#3)", "two\nlines\tand a tab")], console=piped)
    assert capsys.readouterr().out == "id\tperson\ttext\n7\t김민수 (#3)\ttwo / lines and a tab\n"
