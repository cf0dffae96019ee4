"""`referral-bot outbox ...`: messages waiting, sent, or dead."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.app import ReferralBot
from bot.cli.common import fail, with_bot
from bot.cli.tables import show
from bot.core.store.outbox import STATUSES
from bot.core.store.records import OutboxRow

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
                        "due_at": r.due_at.isoformat(),
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
    row_id: Annotated[int, typer.Argument(metavar="ID", help="the row's id (outbox list)")],
) -> None:
    """Send a dead or skipped row again, now.

    \b
    Example:
      referral-bot outbox retry 42
    """

    async def work(bot: ReferralBot) -> bool:
        async with bot.store.transaction() as tx:
            return await tx.outbox.retry(row_id, now=bot.clock.now())

    if not with_bot(work):
        raise fail(f"outbox row {row_id} is not dead or skipped (or does not exist)")
    typer.echo(f"outbox row {row_id} is due again")
