"""`referral-bot db ...`: the schema."""

from __future__ import annotations

import asyncio

import typer

from bot.cli.common import settings
from bot.core.store import open_database
from bot.core.store.migrate import upgrade

app = typer.Typer(help="The database.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations (other commands also apply them to a fresh database).

    \b
    Example:
      DATABASE_URL=postgresql://app@db/referrals referral-bot db upgrade
    """

    async def run() -> list[str]:
        db = await open_database(settings().database_url)
        try:
            return await upgrade(db)
        finally:
            await db.close()

    applied = asyncio.run(run())
    typer.echo("applied: " + ", ".join(applied) if applied else "database is up to date")
