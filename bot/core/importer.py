"""Importing customers: a CSV file applied row by row in batches, re-runnable without effect.

Empty cells keep what is known; identifiers (phone, email, Telegram, Slack) find the customer
again, so running the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.customers import (
    COLUMNS,
    CustomerRow,
    Rejected,
    RowRules,
    StaffDirectory,
    parse_row,
)
from bot.core.messages import Address
from bot.core.store import Store, Tx
from bot.core.store.records import Participant

BATCH = 500


@dataclass(slots=True)
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    rejects_path: Path | None = None

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)


DELIMITERS = ",;\t"  # what spreadsheets write: comma, semicolon (European locales), tab


def sniff_delimiter(text: str) -> str:
    """The file's delimiter, judged from its first lines; a comma when they do not say."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:  # one column, or too few lines to tell
        return ","


def read_rows(path: Path) -> tuple[list[str], str, Iterator[tuple[int, dict[str, str]]]]:
    """The header, the delimiter and (line, row) pairs; a UTF-8 BOM is dropped, undecodable
    bytes survive as surrogate escapes so the row can be rejected and written back as it was."""
    text = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    delimiter = sniff_delimiter(text)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if not header:
        raise ValueError(f"{path}: empty file, expected a header line with {', '.join(COLUMNS)}")
    reader.fieldnames = header
    identifiers = {"phone", "email", "telegram_id", "slack_id"}
    if not identifiers & set(header):
        raise ValueError(f"{path}: the header names none of {', '.join(sorted(identifiers))}")

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for row in reader:
            extra = row.pop(None, None)
            cleaned = {k: v or "" for k, v in row.items()}
            if extra:
                cleaned["__extra__"] = ",".join(extra)
            yield reader.line_num, cleaned

    return header, delimiter, rows()


def _differs(p: Participant, row: CustomerRow) -> bool:
    wanted = (
        row.name or p.display_name,
        row.segment,
        row.company or p.company,
        row.account_manager or p.account_manager,
        row.customer_since or p.customer_since,
        row.language or p.lang,
        row.time_zone or p.time_zone,
        True,
    )
    have = (
        p.display_name, p.segment, p.company, p.account_manager, p.customer_since,
        p.lang, p.time_zone, p.is_customer,
    )  # fmt: skip
    return wanted != have


async def apply_row(tx: Tx, row: CustomerRow, *, at: datetime) -> str:
    """created | updated | unchanged; raises Rejected when identifiers name two customers."""
    owners: dict[int, Participant] = {}
    for address in row.addresses:
        found = await tx.participants.by_address(address)
        if found is not None:
            owners[found[0].id] = found[0]
    if len(owners) > 1:
        raise Rejected("its identifiers belong to different customers already")
    if owners:
        participant = next(iter(owners.values()))
        outcome = "updated" if _differs(participant, row) else "unchanged"
    else:
        participant = await tx.participants.create(
            display_name=row.name, lang=row.language or "en", at=at, is_customer=True
        )
        outcome = "created"
    if outcome != "unchanged":
        await tx.participants.update_profile(
            participant.id,
            display_name=row.name or participant.display_name,
            segment=row.segment,
            company=row.company or participant.company,
            account_manager=row.account_manager or participant.account_manager,
            customer_since=row.customer_since or participant.customer_since,
            lang=row.language or participant.lang,
            lang_chosen=row.language is not None or participant.lang_chosen,
            time_zone=row.time_zone or participant.time_zone,
        )
    for address in row.addresses:
        if await tx.participants.attach(address, participant.id, at=at) and outcome == "unchanged":
            outcome = "updated"
    return outcome


async def import_customers(
    store: Store,
    path: Path,
    *,
    staff: StaffDirectory,
    at: datetime,
    region: str | None = None,
    progress: Callable[[int], None] = lambda _n: None,
) -> Summary:
    header, delimiter, rows = read_rows(path)
    # Today anywhere on Earth (UTC+14 is the first to see a date): a row dated today in Seoul
    # is not "in the future" because it is still yesterday in UTC.
    rules = RowRules(staff=staff, today=(at + timedelta(hours=14)).date(), region=region)
    summary = Summary()
    first_seen: dict[Address, int] = {}
    batch: list[tuple[int, dict[str, str], CustomerRow]] = []

    async def flush() -> None:
        async with store.transaction() as tx:
            for line, raw, row in batch:
                try:
                    outcome = await apply_row(tx, row, at=at)
                except Rejected as reason:
                    summary.rejected.append((line, raw, str(reason)))
                    continue
                setattr(summary, outcome, getattr(summary, outcome) + 1)
        progress(len(batch))
        batch.clear()

    for line, raw in rows:
        try:
            if "__extra__" in raw:
                raise Rejected("more cells than the header has columns")
            row = parse_row(line, raw, rules)
            for address in row.addresses:
                if address in first_seen:
                    what = {"sms": "phone", "email": "email"}.get(address.channel, address.channel)
                    raise Rejected(f"duplicate {what}: already on line {first_seen[address]}")
            for address in row.addresses:
                first_seen[address] = line
        except Rejected as reason:
            summary.rejected.append((line, raw, str(reason)))
            progress(1)
            continue
        batch.append((line, raw, row))
        if len(batch) >= BATCH:
            await flush()
    if batch:
        await flush()
    summary.rejects_path = write_rejects(path, header, summary.rejected, delimiter=delimiter)
    return summary


def write_rejects(
    path: Path,
    header: list[str],
    rejected: list[tuple[int, dict[str, str], str]],
    *,
    delimiter: str = ",",
) -> Path | None:
    """`customers.rejects.csv` beside the input: each bad row as it was, with line and reason."""
    target = path.with_name(path.stem + ".rejects.csv")
    if not rejected:
        target.unlink(missing_ok=True)  # a stale file from an earlier run would mislead
        return None
    with target.open("w", encoding="utf-8", errors="surrogateescape", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)  # as the business wrote its own file
        writer.writerow(["line", "reason", *header])
        for line, raw, reason in sorted(rejected):
            writer.writerow([line, reason, *(raw.get(column, "") for column in header)])
    return target
