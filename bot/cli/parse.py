"""`referral-bot parse`: what the engine reads in a text."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import load_language
from bot.cli.common import fail
from bot.core.language import LANGUAGES


def parse(
    text: Annotated[
        str, typer.Argument(metavar="MESSAGE", help="a message as a customer writes it")
    ],
    lang: Annotated[
        str | None, typer.Option(metavar="LANG", help="the participant's stored language")
    ] = None,
) -> None:
    """Show the intent, language and arguments the engine reads in MESSAGE, as JSON.

    \b
    Examples:
      referral-bot parse "how many friends have I referred?"
      referral-bot parse "내 링크 보내줘" --lang ko
      referral-bot parse $'\\x01\\x02 LINK'   (bash's $'...' types control characters)
    """
    if lang is not None and lang not in LANGUAGES:
        raise fail(f"--lang must be one of {', '.join(LANGUAGES)}")
    grammar, _ = load_language()
    typer.echo(grammar.read(text, lang).to_json(explain=True))
