"""`referral-bot import` and `export`: customers in from the business, referrals out to its CRM."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from bot.app import build
from bot.cli.common import existing_database, fail, settings
from bot.core.clock import rfc3339
from bot.core.config import Settings
from bot.core.csv_cells import text_cell
from bot.core.customers import StaffDirectory
from bot.core.i18n import Catalogs
from bot.core.importer import CustomerFile, Summary, import_customers, read_rows
from bot.core.messages import Address
from bot.core.phones import known_region
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
    path: Annotated[
        Path,
        typer.Argument(metavar="CUSTOMERS.CSV", help="name, phone, email, ... (a header line)"),
    ],
    region: Annotated[
        str | None,
        typer.Option(
            metavar="CC",
            help="country of numbers written without +code, e.g. KR or TW "
            "(default: the program's phone_region)",
        ),
    ] = None,
) -> None:
    """Load or update customers from a CSV file; bad rows go to a rejects file beside it.

    Comma, semicolon or tab separated, UTF-8 with or without a BOM (or UTF-16 with one); a
    file in another encoding is refused whole. Running the same file again changes nothing.

    \b
    Examples:
      referral-bot import customers.csv
      referral-bot import kunden.csv --region KR
    """
    if path.is_dir():
        raise fail(f"{path}: is a folder; name the CSV file inside it")
    if not path.is_file():
        raise fail(f"{path}: no such file")
    if region is not None and not known_region(region):
        raise fail(f"--region {region!r} is not a country code such as KR, TW or US")
    try:
        source = read_rows(path)  # the whole file checked before a database is opened
        summary = asyncio.run(_import(settings(), source, region))
    except ValueError as exc:
        raise fail(str(exc)) from exc
    except OSError as exc:
        raise fail(f"{path}: cannot be read ({exc.strerror})") from exc
    console = Console()
    console.print(
        f"{summary.total} rows: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {len(summary.rejected)} rejected"
    )
    if summary.rejects_path is not None:
        console.print(f"rejected rows and their reasons: {summary.rejects_path}")


async def _import(settings: Settings, source: CustomerFile, region: str | None) -> Summary:
    bot = await build(settings)
    staff = StaffDirectory(settings.slack_staff_users)
    try:
        with Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=Console(stderr=True), transient=True,
        ) as bar:  # fmt: skip
            path = source.path
            task = bar.add_task(f"importing {path.name}", total=_count_lines(path))
            return await import_customers(
                bot.store, source, staff=staff, at=bot.clock.now(),
                region=region or bot.program.phone_region,
                progress=lambda n: bar.advance(task, n),
            )  # fmt: skip
    finally:
        await bot.close()


def export_command(
    path: Annotated[Path, typer.Argument(metavar="REFERRALS.CSV", help="the file to write")],
    no_bom: Annotated[
        bool,
        typer.Option(
            "--no-bom", help="no UTF-8 byte order mark (spreadsheets need it for 한글, 中文)"
        ),
    ] = False,
) -> None:
    """Write who referred whom, with status, dates, identifiers and rewards, for the CRM.

    \b
    Examples:
      referral-bot export referrals.csv
      referral-bot export referrals.csv --no-bom
    """
    if path.is_dir():
        raise fail(f"{path}: is a folder; name the file to write")
    if not path.parent.is_dir():
        raise fail(f"{path.parent}: no such folder")
    try:
        count = asyncio.run(_export(existing_database(), path, "utf-8" if no_bom else "utf-8-sig"))
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or exc}") from exc
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


async def _export(settings: Settings, path: Path, encoding: str) -> int:
    bot = await build(settings)
    written, after = 0, 0
    try:
        with path.open("w", encoding=encoding, newline="") as handle:
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
                        line.referral_id, line.code, text_cell(line.referrer_name),
                        text_cell(line.referrer_company or ""), ids[line.referrer_id],
                        text_cell(line.friend_name),
                        ids[line.friend_id], line.channel, line.status, line.reason or "",
                        rfc3339(line.created_at), rfc3339(line.updated_at),
                        ledger[line.referral_id],
                    ])  # fmt: skip
                written += len(page)
                after = page[-1].referral_id
    finally:
        await bot.close()
