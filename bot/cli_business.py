"""The program owner's commands: import customers, export referrals."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from bot.app import build
from bot.core.config import Settings
from bot.core.customers import StaffDirectory
from bot.core.i18n import Catalogs
from bot.core.importer import Summary, import_customers
from bot.core.messages import Address
from bot.core.reward_text import reward_text
from bot.core.store.rewards import Reward

EXPORT_COLUMNS = (
    "referral_id", "code", "referrer", "referrer_company", "referrer_ids", "friend", "friend_ids",
    "channel", "status", "reason", "created_at", "updated_at", "rewards",
)  # fmt: skip


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def import_command(
    path: Annotated[Path, typer.Argument(metavar="CUSTOMERS.CSV", help="name, phone, email, ...")],
) -> None:
    """Load or update customers from a CSV file; bad rows go to a rejects file beside it."""
    if not path.is_file():
        Console(stderr=True).print(f"[red]error:[/red] {path}: no such file")
        raise typer.Exit(2)
    settings = Settings()
    try:
        summary = asyncio.run(_import(settings, path))
    except ValueError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console = Console()
    console.print(
        f"{summary.total} rows: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {len(summary.rejected)} rejected"
    )
    if summary.rejects_path is not None:
        console.print(f"rejected rows and their reasons: {summary.rejects_path}")


async def _import(settings: Settings, path: Path) -> Summary:
    bot = await build(settings)
    staff = StaffDirectory(settings.slack_staff_users)
    try:
        with Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=Console(stderr=True), transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task(f"importing {path.name}", total=_count_lines(path))
            return await import_customers(
                bot.store, path, staff=staff, at=bot.clock.now(),
                progress=lambda n: bar.advance(task, n),
            )  # fmt: skip
    finally:
        await bot.close()


def export_command(
    path: Annotated[Path, typer.Argument(metavar="REFERRALS.CSV")],
) -> None:
    """Write who referred whom, with status, dates and identifiers, for the CRM."""
    count = asyncio.run(_export(Settings(), path))
    Console().print(f"wrote {count} referrals to {path}")


def _ids(addresses: list[Address]) -> str:
    return " ".join(f"{a.channel}:{a.id}" for a in addresses if a.channel != "console")


def _rewards(catalogs: Catalogs, rewards: list[Reward]) -> str:
    """The referral's ledger in a cell: "referrer $20.00 approved; friend $20.00 pending"."""
    parts = []
    for r in rewards:
        state = r.status
        if r.status == "pending" and r.held:
            state = f"pending (held for review: {r.held})"
        elif r.status == "voided" and r.reason:
            state = f"voided ({r.reason})"
        who = "milestone" if r.kind == "milestone" else r.side
        parts.append(f"{who} {reward_text(catalogs, 'en', r)} {state}")
    return "; ".join(parts)


async def _export(settings: Settings, path: Path) -> int:
    bot = await build(settings)
    written, after = 0, 0
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(EXPORT_COLUMNS)
            while True:
                async with bot.store.transaction() as tx:
                    page = await tx.referrals.export_page(after_id=after, limit=1000)
                    ids = {}
                    ledger = {}
                    for line in page:
                        for pid in (line.referrer_id, line.friend_id):
                            if pid not in ids:
                                found = await tx.participants.identities_of(pid)
                                ids[pid] = _ids([i.address for i in found])
                        rewards = await tx.rewards.of_referral(line.referral_id)
                        ledger[line.referral_id] = _rewards(bot.catalogs, rewards)
                if not page:
                    return written
                for line in page:
                    writer.writerow([
                        line.referral_id, line.code, line.referrer_name,
                        line.referrer_company or "", ids[line.referrer_id], line.friend_name,
                        ids[line.friend_id], line.channel, line.status, line.reason or "",
                        line.created_at.isoformat(), line.updated_at.isoformat(),
                        ledger[line.referral_id],
                    ])  # fmt: skip
                written += len(page)
                after = page[-1].referral_id
    finally:
        await bot.close()
