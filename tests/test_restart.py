"""SIGKILL `referral-bot serve` mid-delivery, start it again: every message due is delivered,
exactly once, except those whose send was in flight at the kill, which may arrive twice.

The two runs send from different numbers, so the fake Twilio can tell which process sent what.
A run-1 send of a row the database does not show as sent was in flight at the kill; those are
the only rows allowed (and expected) to arrive twice: uncertain sends, in their history, sent
again once after the uncertain wait, since Twilio's list of run 2's number cannot show what
run 1's sent (tests/channels/test_sms_lookup.py has one sender: it is found there, not resent).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.core.clock import to_micros
from bot.core.messages import Address, Outbound
from bot.core.store import open_store
from tests.channels.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, Received, payload, sign

pytestmark = pytest.mark.slow

MESSAGES = 40
RUN_1, RUN_2 = "+14155550191", "+14155550192"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class Server:
    """`python -m bot serve` on a loopback port, its SMS channel pointed at the fake."""

    def __init__(self, tmp: Path, fake_url: str, db_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        program = tmp / "program.toml"
        program.write_text(
            "[pacing]\nsms_segments_per_second = 20\n"
            "[delivery]\nuncertain_wait_minutes = 0.01\n",  # 0.6 s, not 10 minutes
            encoding="utf-8",
        )
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TWILIO_", "TELEGRAM_", "SLACK_", "REFERRAL_"))
        } | {
            "DATABASE_URL": db_url,
            "PUBLIC_BASE_URL": self.url,
            "REFERRAL_PROGRAM": str(program),
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": fake_url,
        }
        self.tmp = tmp
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, sender: str) -> None:
        log = (self.tmp / f"serve-{sender}.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--port", str(self.port),
            env=self.env | {"TWILIO_FROM_NUMBER": sender},
            cwd=self.tmp,
            stdout=log,
            stderr=log,
        )  # fmt: skip
        async with httpx.AsyncClient() as http:

            async def up() -> bool:
                try:
                    return (await http.get(self.url + "/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await until(up, "the server to start")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no shutdown code runs
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


def sent_by(requests: list[Received], sender: str) -> Counter[str]:
    return Counter(r.get("Body") or "" for r in requests if r.get("From") == sender)


async def histories(db_url: str) -> dict[str, list[str]]:
    store = await open_store(db_url)
    try:
        async with store.transaction() as tx:
            rows = await tx.outbox.recent(limit=10_000)
            return {r.text: [e for _, e, _ in await tx.outbox.history(r.id)] for r in rows}
    finally:
        await store.close()


async def statuses(db_url: str) -> dict[str, str]:
    store = await open_store(db_url)
    try:
        async with store.transaction() as tx:
            rows = await tx.outbox.recent(limit=10_000)
    finally:
        await store.close()
    return {row.text: row.status for row in rows}


async def test_a_killed_server_loses_nothing_and_repeats_only_sends_in_flight(
    tmp_path: Path,
) -> None:
    fake = FakeTwilio()
    await fake.start()
    fake.delay = 0.3  # each send takes a while, so some are in flight at the kill
    db_url = f"sqlite:///{tmp_path / 'bot.db'}"
    server = Server(tmp_path, fake.url, db_url)
    store = await open_store(db_url)
    start = datetime.now(UTC) + timedelta(seconds=4)  # due after the server is up
    async with store.transaction() as tx:
        for i in range(MESSAGES):
            message = Outbound(Address("sms", f"+1415555{i:04d}"), f"restart {i}")
            due = start + timedelta(milliseconds=100 * i)
            await tx.outbox.enqueue(message, kind="reply", due_at=due, at=start)
    await store.close()
    try:
        await server.start(RUN_1)

        async def some_delivered() -> bool:
            return sum(sent_by(fake.requests, RUN_1).values()) >= MESSAGES // 3

        await until(some_delivered, "a third of the messages")
        await server.kill()
        at_kill = await statuses(db_url)
        first = sent_by(fake.requests, RUN_1)
        in_flight = {body for body in first if at_kill[body] != "sent"}
        assert in_flight, "the kill should catch sends in flight (fake delay 0.3 s)"
        assert any(status == "scheduled" for status in at_kill.values())

        # Their send lease (60 s) is what keeps another process off a send that may have
        # reached the provider; let it run out by hand instead of waiting a minute.
        restarted = await open_store(db_url)
        async with restarted.transaction() as tx:
            await tx.conn.execute(
                "UPDATE outbox SET lease_until = ? WHERE status = 'sending'",
                to_micros(datetime.now(UTC) - timedelta(seconds=1)),
            )
        await restarted.close()
        fake.delay = 0.0
        await server.start(RUN_2)

        async def all_sent() -> bool:
            return set((await statuses(db_url)).values()) == {"sent"}

        await until(all_sent, "every message to be sent")
        second = sent_by(fake.requests, RUN_2)
        for i in range(MESSAGES):
            body = f"restart {i}"
            assert first[body] + second[body] == (2 if body in in_flight else 1), body
            assert first[body] <= 1 and second[body] <= 1
            if at_kill[body] == "sent":
                assert second[body] == 0
        told = await histories(db_url)
        assert {told[body] == ["uncertain"] for body in in_flight} == {True}

        # A reply to an inbound text leaves at once (the enqueue kicks the dispatcher).
        url = server.url + "/twilio/sms"
        pairs = [(k, v) for k, v in payload("inbound_sms") if k not in {"Body", "From"}]
        pairs += [("Body", "HELP"), ("From", "+14155550123")]
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                url,
                data=dict(pairs),
                headers={"X-Twilio-Signature": sign(AUTH_TOKEN, url, pairs)},
            )
        assert answer.status_code == 200, answer.text

        async def replied() -> bool:
            return any(r.get("To") == "+14155550123" for r in fake.requests)

        await until(replied, "the reply to HELP", within=5)
    finally:
        await server.stop()
        await fake.close()
