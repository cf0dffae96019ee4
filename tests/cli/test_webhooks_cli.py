"""`referral-bot webhooks test` pings each endpoint, signed, and prints what it answered."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.clock import SystemClock
from bot.core.store import open_store
from bot.core.store.webhook_events import WebhookEvents, WebhookTargets
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


CRM = "https://crm.example/hooks"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def stopped_with_events_kept(url: str, events: int) -> None:
    """The database as after a 410 Gone from the CRM and `events` events raised since."""

    async def run() -> None:
        store = await open_store(url, webhooks=WebhookTargets((CRM,)))
        now = SystemClock().now()
        async with store.transaction() as tx:
            await tx.webhook_endpoints.stop(CRM, at=now, reason="answered 410 Gone")
            for n in range(events):
                await WebhookEvents(tx.conn, store.webhooks).emit(
                    "participant.opted_in", {"n": n}, at=now
                )
        await store.close()

    asyncio.run(run())


def statuses(url: str) -> list[str]:
    async def run() -> list[str]:
        store = await open_store(url)
        async with store.transaction() as tx:
            rows = await tx.outbox.recent(limit=100)
        await store.close()
        return [r.status for r in rows]

    return asyncio.run(run())


def test_resume_says_how_many_events_the_endpoint_missed_and_resend_sends_them(db: str) -> None:
    stopped_with_events_kept(db, 3)
    assert statuses(db) == ["skipped"] * 3
    resumed = CliRunner().invoke(app, ["webhooks", "resume", CRM])
    assert resumed.exit_code == 0
    assert resumed.output == (
        f"{CRM}: new events will be sent to it again. The 3 events it missed while stopped "
        f"were kept, not sent: `referral-bot webhooks resume {CRM} --resend` sends them now\n"
    )
    again = CliRunner().invoke(app, ["webhooks", "resume", CRM])
    assert again.exit_code == 2
    assert again.output == (
        f"error: {CRM} was not stopped (the 3 events it missed are kept: --resend sends them)\n"
    )
    resent = CliRunner().invoke(app, ["webhooks", "resume", CRM, "--resend"])
    assert resent.exit_code == 0
    assert resent.output == f"{CRM}: the 3 events it missed are due now\n"
    assert statuses(db) == ["scheduled"] * 3


def test_resume_with_resend_at_once_and_an_endpoint_never_stopped(db: str) -> None:
    stopped_with_events_kept(db, 1)
    resent = CliRunner().invoke(app, ["webhooks", "resume", CRM, "--resend"])
    assert resent.output == (
        f"{CRM}: new events will be sent to it again, and the 1 event it missed is due now\n"
    )
    unknown = CliRunner().invoke(app, ["webhooks", "resume", "https://other.example/hooks"])
    assert unknown.exit_code == 2
    assert unknown.output == "error: https://other.example/hooks was not stopped\n"
