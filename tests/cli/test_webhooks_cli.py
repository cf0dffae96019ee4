"""`referral-bot webhooks test` pings each endpoint, signed, and prints what it answered."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.channels.fake_receiver import SECRET, FakeReceiver


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    """The receiver on a loop of its own: the command runs its own loop in this thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeReceiver()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def test_a_signed_ping_and_the_answer(
    receiver: FakeReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("WEBHOOK_URL", f"{receiver.url}, http://127.0.0.1:9/nothing-here")
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    result = CliRunner().invoke(app, ["webhooks", "test"])
    lines = result.output.splitlines()
    assert lines[0] == f"{receiver.url}: 200" and lines[1] == '  {"ok": true}'
    assert lines[2].startswith("http://127.0.0.1:9/nothing-here: no answer")
    assert result.exit_code == 1  # one endpoint did not answer
    assert receiver.events[0]["type"] == "ping"  # verified by standardwebhooks


def test_without_settings_it_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    result = CliRunner().invoke(app, ["webhooks", "test"])
    assert result.exit_code == 2 and "set WEBHOOK_URL and WEBHOOK_SECRET" in result.output


def test_resume_an_endpoint_that_said_gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    unknown = CliRunner().invoke(app, ["webhooks", "resume", "https://crm.example/hooks"])
    assert unknown.exit_code == 2 and "was not stopped" in unknown.output
