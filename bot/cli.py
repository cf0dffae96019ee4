"""The `referral-bot` command (also `python -m bot`)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator
from typing import Annotated

import typer
from rich.console import Console as RichConsole
from rich.table import Table

from bot import event_loop
from bot.app import build, load_language
from bot.channels.console import Console, converse
from bot.cli_admin import admin_app
from bot.cli_business import export_command, import_command
from bot.cli_report import report_command
from bot.cli_rewards import rewards_app
from bot.cli_webhooks import webhooks_app
from bot.core.config import Settings
from bot.core.language import LANGUAGES
from bot.core.messages import Profile
from bot.core.store import open_database
from bot.core.store.migrate import upgrade

app = typer.Typer(help="A chat-native referral agent.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
outbox_app = typer.Typer(help="Messages waiting, sent, or dead.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(outbox_app, name="outbox")
app.add_typer(rewards_app, name="rewards")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(admin_app, name="admin")
app.command("import")(import_command)
app.command("export")(export_command)
app.command("report")(report_command)
err = RichConsole(stderr=True)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def _settings() -> Settings:
    return Settings()


@app.command()
def parse(
    text: str,
    lang: Annotated[str | None, typer.Option(help="the participant's stored language")] = None,
) -> None:
    """Show the intent, language and arguments the engine reads in TEXT, as JSON."""
    if lang is not None and lang not in LANGUAGES:
        raise _fail(f"--lang must be one of {', '.join(LANGUAGES)}")
    grammar, _ = load_language()
    typer.echo(grammar.read(text, lang).to_json(explain=True))


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


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="who you are in this conversation")] = "me",
    lang: Annotated[str | None, typer.Option(help="en, ko, zh-Hant or zh-Hans")] = None,
) -> None:
    """Talk to the bot in the terminal as a customer (reads lines from stdin when piped)."""
    name = user.strip()
    if not name or len(name) > 64:
        raise _fail("--user needs a name of 1 to 64 characters")
    if lang is not None and lang not in LANGUAGES:
        raise _fail(f"--lang must be one of {', '.join(LANGUAGES)}")
    interactive = sys.stdin.isatty()
    if interactive:
        typer.echo(f"Chatting as {name}. Type HELP for what I can do, /quit to leave.")
    asyncio.run(_chat(_settings(), name, lang, interactive))


async def _chat(settings: Settings, user: str, lang: str | None, interactive: bool) -> None:
    console = Console(user=user, write=lambda text: typer.echo(text))
    bot = await build(settings, channels=[console])
    try:
        if lang is not None:
            async with bot.store.transaction() as tx:
                found = await tx.participants.by_address(console.address)
                if found is not None:
                    await tx.participants.set_language(found[0].id, lang, chosen=True)
        profile = Profile(name=user, lang=lang)
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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="port (default: $PORT or 8000)")] = None,
) -> None:
    """Run the web server, the channels, the dispatcher and the clock."""
    settings = _settings()
    _log_to_stderr()
    port = port or settings.port
    event_loop.run(_serve(follow_port(settings, host, port), host, port))


def follow_port(settings: Settings, host: str, port: int) -> Settings:
    """With PUBLIC_BASE_URL unset, links and the landing page point at where we listen."""
    import os

    if os.environ.get("PUBLIC_BASE_URL"):
        return settings
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::", "") else host
    return settings.model_copy(update={"public_base_url": f"http://{shown}:{port}"})


async def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from bot.app import channels_from_settings
    from bot.web import create_app

    bot = await build(settings, channels=channels_from_settings(settings), web_chat=True)
    if set(bot.channels) == {"web"}:
        logging.getLogger("bot").warning(
            "no provider channel is configured: the web chat runs at /chat, and "
            "`referral-bot chat` talks to the bot in the terminal"
        )
    config = uvicorn.Config(
        create_app(bot),
        host=host,
        port=port,
        lifespan="on",
        log_config=None,
        timeout_graceful_shutdown=10,
        ws="none",  # no websocket routes; "auto" would import the websockets package for nothing
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        await bot.close()


@app.command()
def worker() -> None:
    """Run only the dispatcher and the clock (scale-out: web processes take the webhooks)."""
    settings = _settings()
    _log_to_stderr()
    event_loop.run(_worker(settings))


async def _worker(settings: Settings) -> None:
    import signal

    from bot.app import channels_from_settings
    from bot.web import Lifecycle

    bot = await build(settings, channels=channels_from_settings(settings))
    scheduler = bot.clockwork()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    scheduler.start()
    try:
        await stopping.wait()
    finally:
        await scheduler.stop()
        for channel in bot.channels.values():
            if isinstance(channel, Lifecycle):
                await channel.stop()  # close SDK sessions; the worker never started them
        await bot.close()


def _log_to_stderr() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs each request URL at INFO, and Telegram's URLs carry the bot token; Twilio's
    # client logs every request's headers; APScheduler logs every tick of the clock.
    for noisy in ("httpx", "twilio", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations."""

    async def run() -> list[str]:
        db = await open_database(_settings().database_url)
        try:
            return await upgrade(db)
        finally:
            await db.close()

    applied = asyncio.run(run())
    typer.echo("applied: " + ", ".join(applied) if applied else "database is up to date")


@outbox_app.command("list")
def outbox_list(
    status: Annotated[
        str | None, typer.Option(help="scheduled, sending, sent, dead, skipped")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object a line")] = False,
) -> None:
    """List outbox rows, newest first."""
    from bot.core.store.outbox import STATUSES

    if status is not None and status not in STATUSES:
        raise _fail(f"--status must be one of {', '.join(STATUSES)}")

    async def run() -> None:
        bot = await build(_settings())
        try:
            async with bot.store.transaction() as tx:
                rows = await tx.outbox.recent(status=status, limit=limit)
        finally:
            await bot.close()
        if as_json:
            for r in rows:
                typer.echo(
                    json.dumps(
                        {
                            "id": r.id,
                            "to": str(r.to),
                            "kind": r.kind,
                            "status": r.status,
                            "due_at": r.due_at.isoformat(),
                            "attempts": r.attempts,
                            "last_error": r.last_error,
                            "text": r.text,
                        },
                        ensure_ascii=False,
                    )
                )
            return
        table = Table("id", "to", "kind", "status", "due (UTC)", "tries", "error")
        table.add_column("text", no_wrap=True, overflow="ellipsis", max_width=40)
        for r in rows:
            table.add_row(
                str(r.id),
                str(r.to),
                r.kind,
                r.status,
                r.due_at.strftime("%Y-%m-%d %H:%M"),
                str(r.attempts),
                r.last_error or "",
                r.text.replace("\n", " / "),
            )
        RichConsole().print(table)

    asyncio.run(run())


@outbox_app.command("retry")
def outbox_retry(
    row_id: Annotated[int | None, typer.Argument(metavar="[ID]")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every row with --status.")] = False,
    status: Annotated[str, typer.Option(help="With --all: dead or skipped.")] = "dead",
    channel: Annotated[str | None, typer.Option(help="With --all: only this channel.")] = None,
) -> None:
    """Send a dead or skipped row again, now; or, with --all, every dead row (after an outage)."""
    if every == (row_id is not None):
        raise _fail("give a row ID, or --all (with --status dead and maybe --channel C)")
    if status not in ("dead", "skipped"):
        raise _fail(f"--status {status}: only dead or skipped rows can be retried")

    async def run() -> list[int]:
        bot = await build(_settings())
        try:
            async with bot.store.transaction() as tx:
                if row_id is None:
                    return await tx.outbox.retry_all(
                        status=status, channel=channel, now=bot.clock.now()
                    )
                return [row_id] if await tx.outbox.retry(row_id, now=bot.clock.now()) else []
        finally:
            await bot.close()

    retried = asyncio.run(run())
    if row_id is not None and not retried:
        raise _fail(f"outbox row {row_id} is not dead or skipped (or does not exist)")
    if row_id is not None:
        typer.echo(f"outbox row {row_id} is due again")
    else:
        where = f" on {channel}" if channel else ""
        typer.echo(f"{len(retried)} {status} rows{where} are due again")


def main() -> None:
    from bot.core.program import ProgramError

    try:
        app()
    except ProgramError as exc:
        err.print(f"[red]error in the program file:[/red] {exc}")
        raise SystemExit(2) from exc
