"""Customer files as businesses really save them, and exports their spreadsheets open."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.store import open_store

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("REFERRAL_PROGRAM", raising=False)
    return url


def phones(url: str) -> dict[str, str]:
    """Stored phone numbers by customer name."""

    async def run() -> dict[str, str]:
        store = await open_store(url)
        async with store.transaction() as tx:
            rows = await tx.conn.fetchall(
                "SELECT p.display_name, i.address FROM identities i "
                "JOIN participants p ON p.id = i.participant_id WHERE i.channel = 'sms'"
            )
        await store.close()
        return {str(r[0]): str(r[1]) for r in rows}

    return asyncio.run(run())


def rejects(folder: Path, name: str, delimiter: str = ",") -> dict[str, str]:
    with (folder / name).open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    return {row[2]: row[1] for row in rows[1:]}


def test_a_semicolon_file_with_a_bom_and_korean_numbers_as_written(db: str, tmp_path: Path) -> None:
    source = tmp_path / "고객.csv"
    source.write_bytes(
        "\ufeffname;phone;email\n김민수;010-1234-5678;minsu@shop.test\n"
        "이지은;+82 10 9876 5432;\n박서준;02-312-3456;\n".encode()
    )
    result = runner.invoke(app, ["import", str(source), "--region", "KR"])
    assert result.exit_code == 0, result.output
    assert "3 rows: 3 created, 0 updated, 0 unchanged, 0 rejected" in result.stdout
    assert phones(db) == {
        "김민수": "+821012345678",
        "이지은": "+821098765432",
        "박서준": "+8223123456",
    }


def test_the_programs_region_reads_taiwanese_numbers_from_a_tab_file(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "program.toml"
    program.write_text('[program]\nphone_region = "tw"\n', encoding="utf-8")
    monkeypatch.setenv("REFERRAL_PROGRAM", str(program))
    source = tmp_path / "customers.tsv"
    source.write_text("name\tphone\n陳怡君\t0912 345 678\n林志明\t12345\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(source)])
    assert "2 rows: 1 created, 0 updated, 0 unchanged, 1 rejected" in result.stdout
    assert phones(db) == {"陳怡君": "+886912345678"}
    reasons = rejects(tmp_path, "customers.rejects.csv", delimiter="\t")
    assert reasons == {"林志明": "phone '12345' is not a TW number or one with its +country code"}


def test_without_a_region_a_national_number_asks_for_its_country_code(
    db: str, tmp_path: Path
) -> None:
    source = tmp_path / "customers.csv"
    source.write_text("name,phone\nKim,010-1234-5678\n", encoding="utf-8")
    runner.invoke(app, ["import", str(source)])
    assert rejects(tmp_path, "customers.rejects.csv") == {
        "Kim": "phone '010-1234-5678' is not a number with its +country code"
    }


def test_a_customer_since_date_in_the_future_is_rejected_with_its_reason(
    db: str, tmp_path: Path
) -> None:
    source = tmp_path / "customers.csv"
    source.write_text(
        "name,email,customer_since\nAda,ada@x.test,2021-05-01\nBo,bo@x.test,2999-01-01\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", str(source)])
    assert "2 rows: 1 created, 0 updated, 0 unchanged, 1 rejected" in result.stdout
    [(name, reason)] = rejects(tmp_path, "customers.rejects.csv").items()
    assert name == "Bo"
    assert reason.startswith("customer_since '2999-01-01' is in the future (it is 20")
    assert reason.endswith(" at the latest, anywhere)")


def test_rows_a_spreadsheet_left_empty_are_skipped_not_rejected(db: str, tmp_path: Path) -> None:
    """Excel saves rows that once held something as bare delimiters."""
    source = tmp_path / "customers.csv"
    source.write_text("name,phone,email\nAda,+14155550101,\n,,\n , ,\nBo,,\n,,\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(source)])
    assert result.exit_code == 0, result.output
    assert "2 rows: 1 created, 0 updated, 0 unchanged, 1 rejected" in result.stdout
    assert rejects(tmp_path, "customers.rejects.csv") == {
        "Bo": "no phone, email, telegram_id or slack_id to know the customer by"
    }


def test_a_bad_region_and_a_folder_are_one_line_errors(db: str, tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    source.write_text("name,phone\n", encoding="utf-8")
    bad = runner.invoke(app, ["import", str(source), "--region", "XX"])
    assert bad.exit_code == 2
    assert bad.stderr == "error: --region 'XX' is not a country code such as KR, TW or US\n"
    folder = runner.invoke(app, ["import", str(tmp_path)])
    assert folder.stderr == f"error: {tmp_path}: is a folder; name the CSV file inside it\n"


def test_export_writes_a_bom_unless_asked_not_to(db: str, tmp_path: Path) -> None:
    chat = runner.invoke(app, ["chat", "--user", "지민"], input="LINK\n")
    code = chat.stdout.split("/r/")[1][:8]
    runner.invoke(app, ["chat", "--user", "小明"], input=f"JOIN {code}\n")
    target = tmp_path / "referrals.csv"
    assert runner.invoke(app, ["export", str(target)]).exit_code == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfreferral_id,code,referrer,")
    [row] = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert (row["referrer"], row["friend"]) == ("지민", "小明")
    plain = tmp_path / "plain.csv"
    assert runner.invoke(app, ["export", str(plain), "--no-bom"]).exit_code == 0
    assert plain.read_bytes().startswith(b"referral_id,code,referrer,")


def test_export_to_a_missing_folder_or_a_folder_is_one_line(db: str, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["export", str(tmp_path / "nope" / "referrals.csv")])
    assert missing.exit_code == 2
    assert missing.stderr == f"error: {tmp_path / 'nope'}: no such folder\n"
    folder = runner.invoke(app, ["export", str(tmp_path)])
    assert folder.stderr == f"error: {tmp_path}: is a folder; name the file to write\n"


KOREAN_CUSTOMERS = "name,phone\n김민수,+821012345678\n이지은,+821098765432\n"


@pytest.mark.parametrize(
    ("saved_as", "data", "line"),
    [
        ("CP949, Korean Excel's CSV", KOREAN_CUSTOMERS.encode("cp949"), 2),
        ("Latin-1", "name,phone\nAnn,+14155550100\nJosé,+14155550101\n".encode("latin-1"), 3),
        ("UTF-8 with one bad byte", b"name,email\nAnn,ann@shop.test\nBo,b\xff@shop.test\n", 3),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_file_in_another_encoding_is_refused_whole_with_what_to_do(
    db: str, tmp_path: Path, saved_as: str, data: bytes, line: int
) -> None:
    source = tmp_path / "customers.csv"
    source.write_bytes(data)
    stale = tmp_path / "customers.rejects.csv"
    stale.write_text("line,reason,name\n2,not valid UTF-8 text,\xed\n")  # an earlier run's
    result = runner.invoke(app, ["import", str(source)])
    assert result.exit_code == 2
    assert result.output.replace("\n", "") == (
        f"error: {source}: this file isn't UTF-8 (line {line} is the first that isn't): in "
        "Excel, save it as 'CSV UTF-8'; nothing was imported"
    )
    assert not stale.exists() and not (tmp_path / "bot.db").exists()  # nothing made either


def test_a_utf16_file_from_excels_unicode_text_is_read(db: str, tmp_path: Path) -> None:
    source = tmp_path / "customers.txt"
    source.write_bytes(KOREAN_CUSTOMERS.replace(",", "\t").encode("utf-16"))
    result = runner.invoke(app, ["import", str(source)])
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 created, 0 updated, 0 unchanged, 0 rejected" in result.stdout
    assert phones(db) == {"김민수": "+821012345678", "이지은": "+821098765432"}
