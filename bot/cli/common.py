"""What every subcommand shares: the error line, the settings, a bot for one piece of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console as RichConsole
from rich.markup import escape

from bot.app import ReferralBot, build
from bot.core.config import Settings

T = TypeVar("T")
err = RichConsole(stderr=True)


def fail(message: str) -> typer.Exit:
    """A one-line error on stderr and exit status 2; `raise fail(...)`."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def settings() -> Settings:
    return Settings()


def with_bot(work: Callable[[ReferralBot], Awaitable[T]]) -> T:
    """Build the bot from the environment, run `work`, close it."""

    async def run() -> T:
        bot = await build(settings())
        try:
            return await work(bot)
        finally:
            await bot.close()

    return asyncio.run(run())
