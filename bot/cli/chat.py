"""`referral-bot chat`: talk to the bot in the terminal as a customer."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Annotated

import typer

from bot.app import build
from bot.channels.console import Console, converse
from bot.cli.common import fail, settings
from bot.core.config import Settings
from bot.core.language import LANGUAGES


async def _stdin_lines(interactive: bool) -> AsyncIterator[str]:
    while True:
        try:
            if interactive:
                line = await asyncio.to_thread(input, "> ")
            else:
                line = await asyncio.to_thread(sys.stdin.readline)
                if line == "":
                    return
        except (EOFError, KeyboardInterrupt):
            return
        if interactive and line.strip() in {"/quit", "/exit"}:
            return
        yield line


def chat(
    user: Annotated[str, typer.Option(help="who you are in this conversation")] = "me",
    lang: Annotated[str | None, typer.Option(help="en, ko, zh-Hant or zh-Hans")] = None,
) -> None:
    """Talk to the bot in the terminal as a customer (reads lines from stdin when piped)."""
    name = user.strip()
    if not name or len(name) > 64:
        raise fail("--user needs a name of 1 to 64 characters")
    if lang is not None and lang not in LANGUAGES:
        raise fail(f"--lang must be one of {', '.join(LANGUAGES)}")
    interactive = sys.stdin.isatty()
    if interactive:
        typer.echo(f"Chatting as {name}. Type HELP for what I can do, /quit to leave.")
    asyncio.run(_chat(settings(), name, lang, interactive))


async def _chat(settings: Settings, user: str, lang: str | None, interactive: bool) -> None:
    console = Console(user=user, write=lambda text: typer.echo(text))
    bot = await build(settings, channels=[console])
    try:
        if lang is not None:
            async with bot.store.transaction() as tx:
                found = await tx.participants.by_address(console.address)
                if found is not None:
                    await tx.participants.set_language(found[0].id, lang, chosen=True)
        profile: dict[str, object] = {"name": user}
        if lang is not None:
            profile["lang"] = lang
        await converse(
            console,
            lines=_stdin_lines(interactive),
            deliver=bot.engine.handle,
            flush=bot.dispatcher.dispatch_due,
            clock=bot.clock,
            profile=profile,
        )
    finally:
        await bot.close()
