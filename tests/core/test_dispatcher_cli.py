"""Dead rows are visible and can be sent again: `referral-bot outbox list|retry`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.core.channel import DeliveryFailed
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.store import open_store
from tests.core.dispatch_rig import make_rig

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_a_dead_row_is_listed_and_retried_then_sent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = {"DATABASE_URL": url}

    async def kill_a_row() -> int:
        store = await open_store(url)
        rig = make_rig(store, FakeClock(NOW), max_attempts=2)
        rig.channels["telegram"].failures.extend(
            DeliveryFailed("transient", permanent=False, detail="502") for _ in range(2)
        )
        row_id = await rig.enqueue(Address("telegram", "42"), "your reward")
        await rig.drain()
        await store.close()
        return row_id

    row_id = asyncio.run(kill_a_row())
    runner = CliRunner()
    listed = runner.invoke(app, ["outbox", "list", "--status", "dead", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    [line] = listed.output.splitlines()
    shown = json.loads(line)
    assert (shown["id"], shown["status"], shown["attempts"]) == (row_id, "dead", 2)
    assert "502" in shown["last_error"]
    assert runner.invoke(app, ["outbox", "list", "--status", "sent"], env=env).exit_code == 0

    retried = runner.invoke(app, ["outbox", "retry", str(row_id)], env=env)
    assert retried.exit_code == 0 and "due again" in retried.output
    again = runner.invoke(app, ["outbox", "retry", str(row_id)], env=env)
    assert again.exit_code == 2  # it is scheduled now, not dead

    async def dispatch() -> list[str]:
        store = await open_store(url)
        rig = make_rig(store, FakeClock(datetime.now(UTC) + timedelta(seconds=1)))
        await rig.drain()
        row = await rig.row(row_id)
        await store.close()
        assert (row.status, row.attempts) == ("sent", 1)
        return rig.referee.to("42")

    assert asyncio.run(dispatch()) == ["your reward"]


def test_after_an_outage_every_dead_row_of_one_channel_is_retried_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = {"DATABASE_URL": url}

    async def an_outage() -> None:
        store = await open_store(url)
        rig = make_rig(store, FakeClock(NOW), max_attempts=1)
        for name in ("telegram", "slack"):
            rig.channels[name].failures.extend(
                DeliveryFailed("transient", permanent=False, detail="503") for _ in range(3)
            )
        for i in range(3):
            await rig.enqueue(Address("telegram", f"4{i}"), "your reward")
        await rig.enqueue(Address("slack", "T1:U1"), "a card")
        await rig.drain()
        await store.close()

    asyncio.run(an_outage())
    runner = CliRunner()
    retried = runner.invoke(
        app, ["outbox", "retry", "--all", "--status", "dead", "--channel", "telegram"], env=env
    )
    assert retried.exit_code == 0, retried.output
    assert "3 dead rows on telegram are due again" in retried.output
    listed = runner.invoke(app, ["outbox", "list", "--status", "dead", "--json"], env=env)
    assert [json.loads(line)["to"] for line in listed.output.splitlines()] == ["slack:T1:U1"]
    assert runner.invoke(app, ["outbox", "retry"], env=env).exit_code == 2
