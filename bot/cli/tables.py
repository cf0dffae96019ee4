"""Tables that stay whole: boxed and wrapped at a terminal, tab-separated lines when piped."""

from __future__ import annotations

from collections.abc import Sequence

import typer
from rich.console import Console
from rich.table import Table


def show(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, console: Console | None = None
) -> None:
    """Print rows under headers; nothing is ever cut to an ellipsis or a single character."""
    console = console or Console()
    if not console.is_terminal:  # a pipe or a file: one line a row, for grep, cut and sort
        typer.echo("\t".join(headers))
        for row in rows:
            typer.echo("\t".join(_flat(cell) for cell in row))
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for header in headers:
        # A narrow terminal folds long cells onto more lines instead of cutting them (no
        # min_width: with one, Rich drops the characters that fold past it).
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _flat(cell: str) -> str:
    return cell.replace("\t", " ").replace("\r\n", " / ").replace("\n", " / ")
