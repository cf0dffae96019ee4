"""`referral-bot rewards list|approve|issue|void|release`, as the business types them."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.core.messages import Address
from bot.core.store import open_store
from tests.core.rewards.kit import CASH, join, person, program

runner = CliRunner()


def _setup(url: str) -> None:
    async def run() -> None:
        store = await open_store(url)
        now = datetime.now(UTC)
        try:
            alice = await person(store, "alice", at=now)
            bob, carol = await person(store, "bob", at=now), await person(store, "carol", at=now)
            await join(store, program(), alice, bob, at=now - timedelta(days=20))  # hold over
            await join(store, program(), alice, carol, at=now)  # rewards 3 and 4: in hold
        finally:
            await store.close()

    asyncio.run(run())


def _outbox(url: str, who: str) -> list[str]:
    async def run() -> list[str]:
        store = await open_store(url)
        try:
            async with store.transaction() as tx:
                return [r.text for r in await tx.outbox.for_address(Address("console", who))]
        finally:
            await store.close()

    return asyncio.run(run())


def test_the_ledger_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    (tmp_path / "program.toml").write_text(CASH, encoding="utf-8")
    env = {
        "DATABASE_URL": url,
        "REFERRAL_PROGRAM": str(tmp_path / "program.toml"),
        "COLUMNS": "200",
    }
    _setup(url)

    def cli(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["rewards", *args], env=env)
        return result.exit_code, result.output

    code, out = cli("list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [(r["id"], r["status"], r["amount"]) for r in rows] == [
        (4, "pending", "20"),
        (3, "pending", "20"),
        (2, "pending", "20"),
        (1, "pending", "20"),
    ]
    assert cli("list", "--status", "paid")[0] == 2
    assert cli("release") == (0, "2 rewards approved; 2 messages queued\n")
    assert _outbox(url, "alice")[-1] == "Your reward of $20.00 is approved."
    assert cli("issue", "1") == (0, "reward 1 issued\n")
    code, out = cli("issue", "1")
    assert code == 2 and "it was issued already" in out
    code, out = cli("void", "3", "--reason", " ")
    assert code == 2 and "say why: --reason is what the customer is told" in out
    assert cli("void", "3", "--reason", "duplicate account")[0] == 0
    assert _outbox(url, "alice")[-1] == "Your reward of $20.00 was cancelled: duplicate account."
    code, out = cli("issue", "3")
    assert code == 2 and "a voided reward is never paid" in out
    code, out = cli("approve", "999")
    assert code == 2 and "there is no reward 999" in out
    assert cli("approve", "4")[0] == 0
    code, out = cli("list", "--status", "approved")
    assert code == 0 and out.count("friend-cash") == 2 and "referrer-cash" not in out
    statuses = {
        r["id"]: r["status"] for r in map(json.loads, cli("list", "--json")[1].splitlines())
    }
    assert statuses == {1: "issued", 2: "approved", 3: "voided", 4: "approved"}
