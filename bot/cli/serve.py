"""`referral-bot serve` and `referral-bot worker`: the long-running processes."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from bot import event_loop
from bot.app import build
from bot.cli.common import settings
from bot.core.config import Settings, listening_url
from bot.core.store.sqlite import unborn_file


def serve(
    host: Annotated[str, typer.Option(metavar="HOST", help="interface to listen on")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(metavar="PORT", help="port (default: $PORT or 8000)")
    ] = None,
) -> None:
    """Run the web server, the channels, the dispatcher and the clock.

    \b
    Example:
      referral-bot serve --host 0.0.0.0 --port 8000
    """
    env = settings()
    _log_to_stderr()
    _say_if_new(env)
    port = port or env.port
    event_loop.run(_serve(follow_port(env, host, port), host, port))


def follow_port(settings: Settings, host: str, port: int) -> Settings:
    """With PUBLIC_BASE_URL unset, links and the landing page point at where we listen."""
    if "public_base_url" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"public_base_url": listening_url(host, port)})


async def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from bot.app import channels_from_settings
    from bot.http.server import server_config
    from bot.web import create_app

    bot = await build(settings, channels=channels_from_settings(settings), web_chat=True)
    where = settings.public_base_url.rstrip("/")
    log = logging.getLogger("bot")
    log.info("the dashboard: %s/admin (`referral-bot admin add EMAIL` makes a sign-in)", where)
    if set(bot.channels) == {"web"}:
        log.warning(
            "no provider channel is configured: the web chat runs at %s/chat, and "
            "`referral-bot chat` talks to the bot in the terminal",
            where,
        )
    config = server_config(
        create_app(bot),
        settings,
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


def worker() -> None:
    """Run only the dispatcher and the clock (scale-out: web processes take the webhooks).

    \b
    Example:
      DATABASE_URL=postgresql://app@db/referrals referral-bot worker
    """
    env = settings()
    _log_to_stderr()
    _say_if_new(env)
    event_loop.run(_worker(env))


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


def _say_if_new(env: Settings) -> None:
    """As `chat` does: `admin add`, `report` and the rest must run where this file is."""
    created = unborn_file(env.database_url)
    if created is not None:
        logging.getLogger("bot").info("A new database: %s (DATABASE_URL chooses another)", created)


def _log_to_stderr() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs each request URL at INFO, and Telegram's URLs carry the bot token; Twilio's
    # client logs every request's headers; APScheduler logs every tick of the clock.
    for noisy in ("httpx", "twilio", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
