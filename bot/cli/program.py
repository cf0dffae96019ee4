"""`referral-bot program ...`: check a program file before it goes live; start from an example."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bot.app import load_language
from bot.cli.common import err, fail
from bot.cli.program_view import program_lines
from bot.core.plural import counted
from bot.core.program import ProgramError, parse_program, read_program_file
from bot.core.shipped import example_programs

app = typer.Typer(
    help="The program file: check it, or start from an example.", no_args_is_help=True
)


@app.command("check")
def check(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="the program file (TOML)")],
) -> None:
    """Validate a program file and print it as people read it.

    \b
    Example:
      referral-bot program check program.toml
    """
    try:
        program = parse_program(read_program_file(path, source=str(path)), source=str(path))
        _, catalogs = load_language()
        catalogs = catalogs.with_overrides(program.messages)
    except ProgramError as exc:
        if not exc.problems:  # missing, a folder, unreadable, not TOML
            raise fail(str(exc)) from exc
        problems = counted(len(exc.problems), "problem")
        err.print(f"[red]{escape(str(path))}: {problems}[/red]", soft_wrap=True)
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    except ValueError as exc:  # a [messages.<lang>] override the catalogs refuse
        raise fail(f"{path}: messages: {exc}") from exc
    for line in program_lines(program, catalogs):
        typer.echo(line)
    typer.echo(f"\n{path}: OK")


@app.command("example")
def example(
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="one of the examples; none lists them")
    ] = None,
) -> None:
    """Print a shipped example program, to save and edit as your own.

    \b
    Examples:
      referral-bot program example
      referral-bot program example two_sided_cash > program.toml
    """
    found = example_programs()
    if name is None:
        for stem, file in found.items():
            typer.echo(f"{stem:<18} {_first_comment(file)}")
        return
    if name not in found:
        raise fail(f"no example {name!r}; the examples are {', '.join(found)}")
    typer.echo(found[name].read_text(encoding="utf-8"), nl=False)


def _first_comment(file: Path) -> str:
    first = file.read_text(encoding="utf-8").splitlines()[0]
    return first.lstrip("# ").split(":")[0] if first.startswith("#") else ""
