"""`referral-bot admin add EMAIL [--role owner|viewer]`: who may sign in to /admin.

The password is asked twice at a terminal, or read as the first line of standard input when it
is not one (`echo "$PW" | referral-bot admin add a@b.c`), never taken as an argument, which
would stay in the shell's history and in `ps`.
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import Annotated

import typer
from rich.console import Console as RichConsole

from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.core.store import open_store
from bot.core.store.staff_users import ROLES
from bot.http.admin.passwords import WeakPassword, hash_password

admin_app = typer.Typer(help="Who may sign in to the dashboard (/admin).", no_args_is_help=True)
_err = RichConsole(stderr=True)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _fail(message: str) -> typer.Exit:
    _err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def _password() -> str:
    if sys.stdin.isatty():
        first = typer.prompt("Password", hide_input=True)
        again = typer.prompt("Password again", hide_input=True)
        if first != again:
            raise _fail("the two passwords differ")
        return str(first)
    return sys.stdin.readline().rstrip("\r\n")


@admin_app.command("add")
def admin_add(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    role: Annotated[str, typer.Option(help="owner (may decide) or viewer (may look)")] = "owner",
) -> None:
    """Add a dashboard user, or set a known one's password and role."""
    address = email.strip().lower()
    if len(address) > 320 or not _EMAIL.fullmatch(address):
        raise _fail(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise _fail(f"--role must be one of {', '.join(ROLES)}")
    try:
        hashed = hash_password(_password())
    except WeakPassword as exc:
        raise _fail(str(exc)) from exc

    async def run() -> bool:
        store = await open_store(Settings().database_url)
        try:
            async with store.transaction() as tx:
                return await tx.staff_users.save(
                    email=address, password_hash=hashed, role=role, at=SystemClock().now()
                )
        finally:
            await store.close()

    new = asyncio.run(run())
    typer.echo(f"{'added' if new else 'updated'} {address} ({role}); sign in at /admin")
