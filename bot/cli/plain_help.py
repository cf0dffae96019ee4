"""Help in plain words: Typer's type placeholders (`CUSTOMERS.CSV <path>`, `--user <str>`)
become names (`CUSTOMERS.CSV`, `--user USER`) for every command under the root group, whichever
module registered it; an explicit `metavar=` reads better still."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

_PLACEHOLDER = re.compile(r" <([^>]+)>")
_DATE_PARTS = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "HH", "%M": "MM", "%S": "SS"}


def plain_term(term: str) -> str:
    """`--channel <str>` -> `--channel CHANNEL`, `--from <%Y-%m-%d>` -> `--from YYYY-MM-DD`,
    `EMAIL <str>` -> `EMAIL` (an argument's name already says what goes there)."""

    def name(found: re.Match[str]) -> str:
        placeholder = found.group(1)
        if "%" in placeholder:  # a date format
            return " " + re.sub(
                r"%[A-Za-z]", lambda m: _DATE_PARTS.get(m.group(0), "?"), placeholder
            )
        if not term.startswith("-"):
            return ""
        option = term.split()[0].split(",")[-1].strip().lstrip("-")
        return " " + option.replace("-", "_").upper()

    return _PLACEHOLDER.sub(name, term)


class _PlainFormatter:
    """Typer's formatter with the placeholders dropped from each definition's term."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        plain = [(plain_term(term), text) for term, text in rows]
        self._inner.write_dl(plain, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class PlainContext(typer.Context):
    def make_formatter(self) -> Any:
        return _PlainFormatter(super().make_formatter())


class PlainGroup(TyperGroup):
    """The root group: hands its plain context class to every command below it."""

    context_class = PlainContext

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _plain(command)
        return command


def _plain(command: Any) -> None:
    command.context_class = PlainContext
    for child in getattr(command, "commands", {}).values():
        _plain(child)
