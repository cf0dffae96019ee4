"""`referral-bot report`: the program's funnel in the terminal, or as JSON for scripts."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.cli.common import existing_database
from bot.core.grammar_files import default_locales_dir
from bot.core.i18n import Catalogs
from bot.core.store import open_store
from bot.services.report_json import report_json
from bot.services.report_parts import duration
from bot.services.reports import CHANNELS, Funnel, Period, Report, report

DATE = ["%Y-%m-%d"]


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.1%}"


def funnel_table(funnel: Funnel, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("step")
    table.add_column("count", justify="right")
    table.add_column("rate", justify="right")
    for step in funnel.steps:
        table.add_row(step.name, f"{step.count:,}", _percent(step.rate))
    table.add_row("  pending", f"{funnel.pending:,}", "")
    for rejected in funnel.rejected:
        if rejected.count:
            table.add_row(f"  rejected: {rejected.reason}", f"{rejected.count:,}", "")
    return table


def rewards_table(funnel: Funnel, catalogs: Catalogs) -> Table:
    """Amounts as the dashboard and the chat write them: "$60.00", not "60 USD"."""
    table = Table(title="Rewards promised", title_justify="left")
    table.add_column("status")
    table.add_column("count", justify="right")
    table.add_column("amount", justify="right")
    for total in funnel.reward_totals:
        table.add_row(total.status, f"{total.count:,}", total.in_words(catalogs, "en"))
    return table


def show(found: Report, console: Console, catalogs: Catalogs) -> None:
    period = found.period
    when = (
        f"{period.start:%Y-%m-%d}" if period.start else "from the start",
        f"{period.end - timedelta(days=1):%Y-%m-%d}" if period.end else "now",
    )
    where = f", {period.channel}" if period.channel else ""
    console.print(funnel_table(found.funnel, f"Funnel{where}, {when[0]} to {when[1]}"))
    if found.funnel.reward_totals:
        console.print(rewards_table(found.funnel, catalogs))
    ttc = found.time_to_convert
    times = Table(title="Time to convert", title_justify="left")
    for name in ("", "measured", "median", "p90"):
        times.add_column(name, justify="right" if name else "left")
    for label, q in (("to signup", ttc.to_signup), ("to qualified", ttc.to_qualified)):
        times.add_row(label, f"{q.count:,}", duration(q.median), duration(q.p90))
    console.print(times)
    if found.top_referrers:
        top = Table(title="Top referrers", title_justify="left")
        for name in ("#", "name", "company", "signups", "qualified"):
            top.add_column(
                name, justify="right" if name in ("#", "signups", "qualified") else "left"
            )
        for t in found.top_referrers:
            top.add_row(
                str(t.rank), t.shown_name, t.company or "", f"{t.signups:,}", f"{t.qualified:,}"
            )
        console.print(top)
    if found.referred_share is not None:
        console.print(f"Referred customers among all signups: {found.referred_share:.1%}")


def _day(option: str, written: str | None) -> datetime | None:
    """A day as YYYY-MM-DD, or one line saying how to write it (typer's own message quotes
    strptime formats after a stray "Value error, ")."""
    if written is None:
        return None
    try:
        return datetime.strptime(written.strip(), DATE[0])
    except ValueError:
        Console(stderr=True).print(
            "[red]error:[/red] "
            + escape(f"{option} {written!r} is not a day: write it as 2026-11-01 (YYYY-MM-DD)"),
            highlight=False,
        )
        raise typer.Exit(2) from None


def report_command(
    first: Annotated[
        str | None, typer.Option("--from", metavar="YYYY-MM-DD", help="first day (UTC)")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="last day, included")
    ] = None,
    channel: Annotated[str | None, typer.Option(help=", ".join(CHANNELS))] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="the report as one JSON document")
    ] = False,
) -> None:
    """The funnel for a period: links, clicks, signups, qualified, rejected, rewards.

    \b
    Examples:
      referral-bot report --from 2026-11-01 --to 2026-11-30
      referral-bot report --channel sms --json
    """
    start, end = _day("--from", first), _day("--to", last)
    if channel is not None and channel not in CHANNELS:
        Console(stderr=True).print(
            f"[red]error:[/red] --channel must be one of {', '.join(CHANNELS)}"
        )
        raise typer.Exit(2)
    if start is not None and end is not None and end < start:
        Console(stderr=True).print("[red]error:[/red] --to is before --from")
        raise typer.Exit(2)
    period = Period.of_dates(start and start.date(), end and end.date(), channel)
    env = existing_database()

    async def run() -> Report:
        store = await open_store(env.database_url)
        try:
            async with store.snapshot() as tx:  # the running bot keeps writing meanwhile
                return await report(tx, period)
        finally:
            await store.close()

    found = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps(report_json(found), ensure_ascii=False, indent=2))
    else:
        show(found, Console(), Catalogs.load(default_locales_dir()))
