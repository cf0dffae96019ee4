"""`referral-bot webhooks ...`: try the business's endpoints, and resume one that said 410."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from bot.app import webhook_targets
from bot.channels.webhook import Answer, Webhooks
from bot.cli.common import existing_database, fail
from bot.core.channel import DeliveryFailed
from bot.core.clock import SystemClock
from bot.core.config import Settings
from bot.core.store import open_store
from bot.core.store.webhook_endpoints import CHANNEL

webhooks_app = typer.Typer(help="Signed webhooks to the business's CRM.", no_args_is_help=True)
_err = Console(stderr=True)


def _settings() -> tuple[Settings, tuple[str, ...]]:
    settings = Settings()
    urls = webhook_targets(settings).urls
    if not urls:
        _err.print("[red]error:[/red] set WEBHOOK_URL and WEBHOOK_SECRET (whsec_...)")
        raise typer.Exit(2)
    return settings, urls


@webhooks_app.command("test")
def webhooks_test() -> None:
    """Send a signed `ping` to each endpoint now and print what it answered.

    \b
    Example:
      WEBHOOK_URL=https://crm.example/hooks WEBHOOK_SECRET=whsec_... referral-bot webhooks test
    """
    settings, urls = _settings()

    async def run() -> list[Answer | str]:
        hooks = Webhooks(secret=settings.webhook_secret or "")
        answers: list[Answer | str] = []
        try:
            for url in urls:
                try:
                    answers.append(await hooks.ping(url, at=SystemClock().now()))
                except DeliveryFailed as exc:
                    answers.append(f"{url}: no answer ({exc.detail})")
        finally:
            await hooks.stop()
        return answers

    failed = False
    for answer in asyncio.run(run()):
        if isinstance(answer, str):
            typer.echo(answer)
            failed = True
            continue
        typer.echo(f"{answer.url}: {answer.status}")
        if answer.body:
            typer.echo(f"  {answer.body}")
        failed = failed or not 200 <= answer.status < 300
    raise typer.Exit(1 if failed else 0)


@webhooks_app.command("resume")
def webhooks_resume(
    url: Annotated[str, typer.Argument(help="the endpoint that said 410")],
    resend: Annotated[
        bool, typer.Option("--resend", help="also send the events it missed, oldest first")
    ] = False,
) -> None:
    """Send events to an endpoint again after it answered 410 Gone.

    The events raised while it was stopped are kept, not sent; --resend sends them too.

    \b
    Examples:
      referral-bot webhooks resume https://crm.example/hooks
      referral-bot webhooks resume https://crm.example/hooks --resend
    """
    settings = existing_database()

    async def run() -> tuple[bool, int]:
        store = await open_store(settings.database_url)
        try:
            async with store.transaction() as tx:
                resumed = await tx.webhook_endpoints.resume(url)
                if not resend:
                    return resumed, await tx.webhook_endpoints.missed(url)
                now = SystemClock().now()
                due = await tx.outbox.retry_all(
                    status="skipped", channel=CHANNEL, address=url, now=now
                )
                return resumed, len(due)
        finally:
            await store.close()

    resumed, missed = asyncio.run(run())
    events = f"{missed} event{'' if missed == 1 else 's'} it missed"
    if not resumed and not (resend and missed):
        kept = f" (the {events} {_are(missed)} kept: --resend sends them)" if missed else ""
        raise fail(f"{url} was not stopped{kept}")
    said = f"{url}: new events will be sent to it again"
    if not missed:
        typer.echo(f"{said}; it missed no events")
    elif resend:
        due = f"the {events} {_are(missed)} due now"
        typer.echo(f"{said}, and {due}" if resumed else f"{url}: {due}")
    else:
        typer.echo(
            f"{said}. The {events} while stopped {_are(missed, past=True)} kept, not sent: "
            f"`referral-bot webhooks resume {url} --resend` sends them now"
        )


def _are(count: int, *, past: bool = False) -> str:
    if past:
        return "was" if count == 1 else "were"
    return "is" if count == 1 else "are"
