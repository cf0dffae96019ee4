"""Help in plain words: option and argument names without Typer's type placeholders
(`CUSTOMERS.CSV <path>`, `--user <str>`), for every command under the root group, whichever
module registered it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

_PLACEHOLDER = re.compile(r" <[a-z ]+>")


class _PlainFormatter:
    """Typer's formatter with the placeholders dropped from each definition's term."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        plain = [(_PLACEHOLDER.sub("", term), text) for term, text in rows]
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
