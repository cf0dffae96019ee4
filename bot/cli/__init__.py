"""The `referral-bot` command (also `python -m bot`). The subcommands are in `commands.py`;
`serve` and `worker` start through a parser of their own, so that a long-running process does
not import the other groups (argon2, rich tables, importers: about 10 MB it would keep)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

LONG_RUNNING = ("serve", "worker")


def __getattr__(name: str) -> object:
    """`from bot.cli import app`: the whole command, built on first use."""
    if name == "app":
        from bot.cli.commands import app

        return app
    raise AttributeError(name)


def _long_running() -> typer.Typer:
    import typer

    from bot.cli import serve
    from bot.cli.plain_help import PlainGroup

    app = typer.Typer(cls=PlainGroup, no_args_is_help=True, rich_markup_mode=None)
    app.command()(serve.serve)
    app.command()(serve.worker)
    return app


def main() -> None:
    from pydantic import ValidationError

    from bot.core.program import ProgramError
    from bot.core.store.database import DatabaseUnavailable

    if sys.argv[1:2] and sys.argv[1] in LONG_RUNNING:
        app = _long_running()
    else:
        from bot.cli.commands import app
    try:
        app()
    except ProgramError as exc:
        from bot.cli.common import err

        err.print(f"[red]error in the program file:[/red] {exc}")
        raise SystemExit(2) from exc
    except DatabaseUnavailable as exc:  # DATABASE_URL: say which and why, not a traceback
        _error_lines([str(exc)])
        raise SystemExit(2) from exc
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        # A variable of the environment: its name and what it needs, never its value.
        _error_lines(
            f"{'.'.join(str(part) for part in e['loc']).upper()}: "
            + str(e["msg"]).removeprefix("Value error, ")
            for e in exc.errors()
            if e["type"] != "default_factory_not_called"  # PUBLIC_BASE_URL's, when PORT is wrong
        )
        raise SystemExit(2) from exc


def _error_lines(lines: Iterable[str]) -> None:
    from rich.markup import escape

    from bot.cli.common import err

    for line in lines:
        err.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
