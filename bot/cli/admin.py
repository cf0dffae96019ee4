"""`referral-bot admin add|remove|list`: who may sign in to /admin.

The password is asked twice at a terminal, or read as the first line of standard input when it
is not one (`echo "$PW" | referral-bot admin add a@b.c`), never taken as an argument, which
would stay in the shell's history and in `ps`.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console as RichConsole
from rich.markup import escape

from bot.cli.common import existing_database
from bot.cli.tables import show
from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.core.store import Tx, open_store
from bot.core.store.staff_users import ROLES
from bot.http.admin.passwords import WeakPassword, hash_password

admin_app = typer.Typer(help="Who may sign in to the dashboard (/admin).", no_args_is_help=True)
_err = RichConsole(stderr=True)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    _err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def _password() -> str:
    if sys.stdin.isatty():
        first = typer.prompt("Password", hide_input=True)
        again = typer.prompt("Password again", hide_input=True)
        if first != again:
            raise _fail("the two passwords differ")
        return str(first)
    return sys.stdin.readline().rstrip("\r\n")


def _in_store(work: Callable[[Tx], Awaitable[T]], env: Settings | None = None) -> T:
    """One transaction on the database DATABASE_URL names, which must exist."""
    env = env or existing_database()

    async def run() -> T:
        store = await open_store(env.database_url)
        try:
            async with store.transaction() as tx:
                return await work(tx)
        finally:
            await store.close()

    return asyncio.run(run())


@admin_app.command("add")
def admin_add(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    role: Annotated[str, typer.Option(help="owner (may decide) or viewer (may look)")] = "owner",
) -> None:
    """Add a dashboard user, or set a known one's password and role.

    A new password signs them out everywhere.

    \b
    Examples:
      referral-bot admin add ann@shop.example
      echo "$PASSWORD" | referral-bot admin add viewer@shop.example --role viewer
    """
    address = email.strip().lower()
    if len(address) > 320 or not _EMAIL.fullmatch(address):
        raise _fail(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise _fail(f"--role must be one of {', '.join(ROLES)}")
    env = existing_database()  # before the password is asked for, not after
    try:
        hashed = hash_password(_password())
    except WeakPassword as exc:
        raise _fail(str(exc)) from exc

    new = _in_store(
        lambda tx: tx.staff_users.save(
            email=address, password_hash=hashed, role=role, at=SystemClock().now()
        ),
        env,
    )
    dashboard = env.public_base_url.rstrip("/") + "/admin"  # where `serve` answers
    if new:
        typer.echo(f"added {address} ({role}); sign in at {dashboard}")
    else:
        typer.echo(
            f"updated {address} ({role}); signed out everywhere, sign in again at {dashboard}"
        )


@admin_app.command("remove")
def admin_remove(email: Annotated[str, typer.Argument(metavar="EMAIL")]) -> None:
    """Remove a dashboard user; their sessions end at once.

    \b
    Example:
      referral-bot admin remove colleague@shop.example
    """
    address = email.strip().lower()
    if not _in_store(lambda tx: tx.staff_users.remove(address)):
        raise _fail(f"there is no dashboard user {address}; see referral-bot admin list")
    typer.echo(f"removed {address}; signed out everywhere")


@admin_app.command("list")
def admin_list() -> None:
    """Who may sign in, with their role and last sign-in (UTC).

    \b
    Example:
      referral-bot admin list
    """
    users = _in_store(lambda tx: tx.staff_users.listing())
    if not users:
        typer.echo("Nobody may sign in yet: referral-bot admin add you@example.com")
        return
    rows = [
        [
            u.email,
            u.role,
            u.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if u.last_sign_in_at else "never",
        ]
        for u in users
    ]
    show(["email", "role", "last sign-in"], rows)
