"""`referral-bot doctor`: one screen saying what is set up, what is missing, and what to do."""

from __future__ import annotations

import asyncio

import httpx
import typer

from bot import __version__
from bot.cli import doctor_checks as check
from bot.cli.common import settings
from bot.core.config import Settings

MARK = {"ok": "ok ", "off": "off", "fix": "FIX"}


def doctor() -> None:
    """Say what is configured and what is missing, whether the database is writable, whether
    PUBLIC_BASE_URL is reachable from here, whether each provider accepts its credentials, and
    what each channel would do. Exits 1 when something needs fixing.

    \b
    Example:
      referral-bot doctor
    """
    findings = asyncio.run(_findings(settings()))
    typer.echo(f"referral-bot {__version__}")
    width = max(len(f.topic) for f in findings)
    for finding in findings:
        typer.echo(f"{MARK[finding.verdict]}  {finding.topic:<{width}}  {finding.detail}")
    if any(f.verdict == "fix" for f in findings):
        raise typer.Exit(1)


async def _findings(env: Settings) -> list[check.Finding]:
    async with httpx.AsyncClient(timeout=5, follow_redirects=True) as client:
        reachable = await check.public_url(env, client)
    channels = [check.sms(env), check.telegram(env), check.slack(env)]
    asked = await asyncio.gather(*(check.credentials(found, env) for found in channels))
    return [
        await check.database(env),
        check.program(env),
        reachable,
        *asked,
        check.api(env),
        check.webhooks(env),
    ]
