"""`referral-bot serve` as a real process on loopback, with Twilio, Telegram and Slack faked.

The cross-channel story: an SMS customer gets their link, a Telegram friend joins through the
deep link, the SMS customer's count is 1, and a Slack user's `/referrals count` works. Every
request is really signed and really sent over HTTP.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.channels import fake_slack, fake_telegram, fake_twilio

pytestmark = pytest.mark.slow

TELEGRAM_SECRET = "e2e-secret_token-1"
CUSTOMER = "+14155550100"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def eventually(check: Callable[[], bool], *, within: float = 15.0) -> None:
    """Poll until `check()` holds: the server delivers in its own time, within seconds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


class Server:
    def __init__(self, process: asyncio.subprocess.Process, base: str, log: Path) -> None:
        self.process = process
        self.base = base
        self.log = log


@pytest.fixture
async def fakes() -> AsyncIterator[
    tuple[fake_twilio.FakeTwilio, fake_telegram.FakeTelegram, fake_slack.FakeSlack]
]:
    twilio = fake_twilio.FakeTwilio()
    telegram = fake_telegram.FakeTelegram()
    slack = fake_slack.FakeSlack()
    await twilio.start()
    await telegram.start()
    await slack.start()
    yield twilio, telegram, slack
    await twilio.close()
    await telegram.close()
    await slack.stop()


async def start_server(tmp_path: Path, env: dict[str, str], port: int) -> Server:
    log = tmp_path / "serve.log"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--port", str(port),
        env=env, stdout=log.open("ab"), stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return Server(process, base, log)
            except httpx.TransportError:
                pass
            if process.returncode is not None or time.monotonic() > deadline:
                raise AssertionError("serve did not start:\n" + log.read_text())
            await asyncio.sleep(0.1)


async def test_the_cross_channel_story(
    tmp_path: Path,
    fakes: tuple[fake_twilio.FakeTwilio, fake_telegram.FakeTelegram, fake_slack.FakeSlack],
) -> None:
    twilio, telegram, slack = fakes
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The thank-you is proactive: quiet hours off, so the story runs at any hour of the day.
    program = tmp_path / "program.toml"
    program.write_text("[quiet_hours]\nstart = 00:00:00\nend = 00:00:00\n")
    env = {
        **os.environ,
        "REFERRAL_PROGRAM": str(program),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "PUBLIC_BASE_URL": base,
        "TWILIO_ACCOUNT_SID": fake_twilio.ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": fake_twilio.AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": fake_twilio.FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio.url,
        "TELEGRAM_BOT_TOKEN": fake_telegram.TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "SLACK_BOT_TOKEN": fake_slack.TOKEN,
        "SLACK_SIGNING_SECRET": fake_slack.SECRET,
        "SLACK_API_BASE_URL": slack.base_url,
    }
    server = await start_server(tmp_path, env, port)
    try:
        assert f"the dashboard: {base}/admin" in server.log.read_text()
        async with httpx.AsyncClient(base_url=base, timeout=10) as web:
            health = (await web.get("/healthz")).json()
            # The three providers configured, and the web chat, which `serve` always runs (#11).
            assert set(health["channels"]) == {"sms", "telegram", "slack", "web"}
            # Telegram learned where to send updates, with the secret.
            [hook] = telegram.called("setWebhook")
            assert hook.params["url"] == f"{base}/telegram/webhook"
            assert hook.params["secret_token"] == TELEGRAM_SECRET

            # 1. An SMS customer texts LINK and gets the link by SMS.
            pairs = [
                ("MessageSid", "SM" + "1" * 32),
                ("From", CUSTOMER),
                ("To", fake_twilio.FROM_NUMBER),
                ("Body", "LINK"),
                ("NumMedia", "0"),
            ]
            signature = fake_twilio.sign(fake_twilio.AUTH_TOKEN, f"{base}/twilio/sms", pairs)
            answer = await web.post(
                "/twilio/sms",
                content=urlencode(pairs),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                },
            )
            assert answer.status_code == 200 and "<Response" in answer.text
            await eventually(lambda: bool(twilio.sent_to(CUSTOMER)))
            match = re.search(r"/r/([0-9A-Z]{8})", twilio.sent_to(CUSTOMER)[0])
            assert match is not None
            code = match[1]

            # 2. A Telegram friend taps t.me/<bot>?start=<code> and presses Start.
            update = {
                "update_id": 9001,
                "message": {
                    "message_id": 1, "date": int(time.time()), "text": f"/start {code}",
                    "chat": {"id": 777, "type": "private", "first_name": "Mina"},
                    "from": {"id": 777, "is_bot": False, "first_name": "Mina"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }  # fmt: skip
            started = await web.post(
                "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            )
            assert started.status_code == 200
            await eventually(lambda: bool(telegram.texts(777)))
            assert "Welcome" in telegram.texts(777)[0]
            # ... and the SMS customer hears of it right away.
            await eventually(lambda: len(twilio.sent_to(CUSTOMER)) == 2)
            assert "1 friend" in twilio.sent_to(CUSTOMER)[1]

            # 3. The SMS customer's count is 1.
            pairs = [
                ("MessageSid", "SM" + "2" * 32),
                ("From", CUSTOMER),
                ("To", fake_twilio.FROM_NUMBER),
                ("Body", "how many friends have I referred?"),
                ("NumMedia", "0"),
            ]
            signature = fake_twilio.sign(fake_twilio.AUTH_TOKEN, f"{base}/twilio/sms", pairs)
            await web.post(
                "/twilio/sms",
                content=urlencode(pairs),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                },
            )
            await eventually(lambda: len(twilio.sent_to(CUSTOMER)) == 3)
            assert "referred 1 friend" in twilio.sent_to(CUSTOMER)[2]

            # 4. A Slack user's /referrals count works.
            body = fake_slack.command_body("count")
            acked = await web.post(
                "/slack/events",
                content=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    **fake_slack.sign(body, timestamp=int(time.time())),
                },
            )
            assert acked.status_code == 200
            await eventually(lambda: bool(slack.posted))
            assert "referred anyone yet" in str(slack.posted[0])
    finally:
        server.process.send_signal(signal.SIGTERM)
        status = await asyncio.wait_for(server.process.wait(), 20)
    # uvicorn finishes in-flight work, then re-raises SIGTERM: exit by that signal is graceful.
    assert status in (0, -signal.SIGTERM), server.log.read_text()
    assert "Application shutdown complete" in server.log.read_text()
