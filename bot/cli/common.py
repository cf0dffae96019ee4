"""What every subcommand shares: the error line, the settings, a bot for one piece of work.

Commands that read or administer a running program (`existing_database`) refuse a SQLite
file that is not there: in the wrong folder they would otherwise make an empty database and
report nothing from it. Those that start one (serve, worker, chat, import, db upgrade) make it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console as RichConsole
from rich.markup import escape

from bot.core.config import Settings
from bot.core.store.sqlite import unborn_file

if TYPE_CHECKING:
    from bot.app import ReferralBot

T = TypeVar("T")
err = RichConsole(stderr=True)


def fail(message: str) -> typer.Exit:
    """A one-line error on stderr and exit status 2; `raise fail(...)`."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def settings() -> Settings:
    return Settings()


def existing_database() -> Settings:
    """The settings, for a command that works on the program's own database: none is made."""
    env = settings()
    missing = unborn_file(env.database_url)
    if missing is not None:
        raise fail(
            f"No database at {missing}: run this where `referral-bot serve` runs, or set "
            "DATABASE_URL (`referral-bot db upgrade` makes a new one)"
        )
    return env


def with_bot(work: Callable[[ReferralBot], Awaitable[T]]) -> T:
    """Build the bot on the existing database, run `work`, close it."""
    from bot.app import build  # here: `report` and `admin` need none of what it imports

    env = existing_database()

    async def run() -> T:
        bot = await build(env)
        try:
            return await work(bot)
        finally:
            await bot.close()

    return asyncio.run(run())
