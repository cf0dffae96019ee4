"""`referral-bot outbox ...`: messages waiting, sent, or dead."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.app import ReferralBot
from bot.cli.common import fail, with_bot
from bot.cli.tables import show
from bot.core.clock import rfc3339
from bot.core.store.outbox import STATUSES
from bot.core.store.records import OutboxRow
from bot.services.outbox_retry import NotRetryable, retry_outbox

app = typer.Typer(help="Messages waiting, sent, or dead.", no_args_is_help=True)


@app.command("list")
def outbox_list(
    status: Annotated[
        str | None,
        typer.Option(metavar="STATUS", help="scheduled, sending, sent, dead, skipped"),
    ] = None,
    limit: Annotated[int, typer.Option(metavar="N", min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object a line")] = False,
) -> None:
    """List outbox rows, newest first.

    \b
    Examples:
      referral-bot outbox list --status dead
      referral-bot outbox list --json | jq .last_error
    """
    if status is not None and status not in STATUSES:
        raise fail(f"--status must be one of {', '.join(STATUSES)}")

    async def work(bot: ReferralBot) -> list[OutboxRow]:
        async with bot.store.transaction() as tx:
            return await tx.outbox.recent(status=status, limit=limit)

    rows = with_bot(work)
    if as_json:
        for r in rows:
            typer.echo(
                json.dumps(
                    {
                        "id": r.id,
                        "to": str(r.to),
                        "kind": r.kind,
                        "status": r.status,
                        "due_at": rfc3339(r.due_at),
                        "attempts": r.attempts,
                        "last_error": r.last_error,
                        "text": r.text,
                    },
                    ensure_ascii=False,
                )
            )
        return
    show(
        ("id", "to", "kind", "status", "due (UTC)", "tries", "error", "text"),
        [
            (
                str(r.id),
                str(r.to),
                r.kind,
                r.status,
                r.due_at.strftime("%Y-%m-%d %H:%M"),
                str(r.attempts),
                r.last_error or "",
                r.text,
            )
            for r in rows
        ],
    )


@app.command("retry")
def outbox_retry(
    row_id: Annotated[
        int | None, typer.Argument(metavar="[ID]", help="the row's id (outbox list)")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="every row with --status")] = False,
    status: Annotated[str, typer.Option(help="with --all: dead or skipped")] = "dead",
    channel: Annotated[str | None, typer.Option(help="with --all: only this channel")] = None,
) -> None:
    """Send a dead or skipped row again, now; or, with --all, every dead row (after an outage).

    \b
    Examples:
      referral-bot outbox retry 42
      referral-bot outbox retry --all --status dead --channel sms
    """
    if every == (row_id is not None):
        raise fail("give a row ID, or --all (with --status dead and maybe --channel C)")
    if status not in ("dead", "skipped"):
        raise fail(f"--status {status}: only dead or skipped rows can be retried")

    async def work(bot: ReferralBot) -> list[int]:
        return await retry_outbox(bot.work, row_id=row_id, status=status, channel=channel)

    try:
        retried = with_bot(work)
    except NotRetryable as exc:
        raise fail(str(exc)) from exc
    if row_id is not None:
        typer.echo(f"outbox row {row_id} is due again")
    else:
        where = f" on {channel}" if channel else ""
        typer.echo(f"{len(retried)} {status} rows{where} are due again")
