"""Importing customers: a CSV file applied row by row in batches, re-runnable without effect.

Empty cells keep what is known; identifiers (phone, email, Telegram, Slack) find the customer
again, so running the same file twice changes nothing the second time.
"""

from __future__ import annotations

import codecs
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


class NotUtf8(ValueError):
    """The file is in another encoding (CP949 from Korean Excel, Latin-1, ...): every row
    would be read wrong, so none is, and the whole file is refused with what to do."""

    def __init__(self, path: Path, line: int) -> None:
        super().__init__(
            f"{path}: this file isn't UTF-8 (line {line} is the first that isn't): in Excel, "
            "save it as 'CSV UTF-8'; nothing was imported"
        )


def decoded(path: Path) -> str:
    """The file's text: UTF-8 with or without a BOM, or UTF-16 with its BOM (Excel's "Unicode
    Text"); anything else is `NotUtf8`."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8(path, data.count(b"\n", 0, exc.start) + 1) from None


@dataclass(frozen=True, slots=True)
class CustomerFile:
    """A customer file as read: its header, its delimiter, and (line, row) pairs to come."""

    path: Path
    header: list[str]
    delimiter: str
    rows: Iterator[tuple[int, dict[str, str]]]


def rejects_of(path: Path) -> Path:
    return path.with_name(path.stem + ".rejects.csv")


def read_rows(path: Path) -> CustomerFile:
    """The file, checked whole before any row is used: its text (a BOM dropped) and header.
    A refused file leaves no rejects file of an earlier run beside it to mislead."""
    try:
        return _read(path)
    except ValueError:
        rejects_of(path).unlink(missing_ok=True)
        raise


def _read(path: Path) -> CustomerFile:
    text = decoded(path)
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
            if not extra and not any(v.strip() for v in cleaned.values()):
                continue  # ",,,,": a spreadsheet's emptied row, not a customer to reject
            if extra:
                cleaned["__extra__"] = ",".join(extra)
            yield reader.line_num, cleaned

    return CustomerFile(path, header, delimiter, rows())


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
    source: CustomerFile,
    *,
    staff: StaffDirectory,
    at: datetime,
    region: str | None = None,
    progress: Callable[[int], None] = lambda _n: None,
) -> Summary:
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

    for line, raw in source.rows:
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
    summary.rejects_path = write_rejects(
        source.path, source.header, summary.rejected, delimiter=source.delimiter
    )
    return summary


def write_rejects(
    path: Path,
    header: list[str],
    rejected: list[tuple[int, dict[str, str], str]],
    *,
    delimiter: str = ",",
) -> Path | None:
    """`customers.rejects.csv` beside the input: each bad row as it was, with line and reason."""
    target = rejects_of(path)
    if not rejected:
        target.unlink(missing_ok=True)  # a stale file from an earlier run would mislead
        return None
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)  # as the business wrote its own file
        writer.writerow(["line", "reason", *header])
        for line, raw, reason in sorted(rejected):
            writer.writerow([line, reason, *(raw.get(column, "") for column in header)])
    return target
