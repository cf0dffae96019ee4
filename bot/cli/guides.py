"""`referral-bot docs`: the guides, shipped inside the package, so an installed wheel has them
too (`docs/` of the repository is not on a server that ran `pip install`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import fail
from bot.core.shipped import guides


def docs(
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="one of the guides; none lists them")
    ] = None,
) -> None:
    """Print a guide (Markdown), or list the guides and where each file is.

    \b
    Examples:
      referral-bot docs
      referral-bot docs twilio
    """
    found = guides()
    if name is None:
        for stem, file in found.items():
            typer.echo(f"{stem:<13} {_title(file)}  ({file})")
        return
    guide = found.get(name.strip().casefold())
    if guide is None:
        raise fail(f"no guide {name!r}; the guides are {', '.join(found)}")
    typer.echo(guide.read_text(encoding="utf-8"), nl=False)


def _title(file: Path) -> str:
    first = file.read_text(encoding="utf-8").splitlines()[0]
    return first.lstrip("# ") if first.startswith("#") else ""
