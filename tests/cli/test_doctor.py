"""`referral-bot doctor`: one screen of what is set up, what is missing, and what to fix."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from aiohttp import web
from typer.testing import CliRunner

from bot.cli import app
from tests.channels.fake_slack import FakeSlack
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.cli.threaded import in_thread

runner = CliRunner()


class Health:
    """A server answering GET /healthz the way `referral-bot serve` does."""

    def __init__(self) -> None:
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        async def healthz(request: web.Request) -> web.Response:
            return web.json_response({"status": "ok", "database": "ok"})

        server = web.Application()
        server.router.add_get("/healthz", healthz)
        self._runner = web.AppRunner(server)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def bare(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "REFERRAL_PROGRAM", "REFERRAL_API_TOKEN", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
        "TWILIO_FROM_NUMBER", "TWILIO_MESSAGING_SERVICE_SID", "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
        "SLACK_STAFF_USERS", "SLACK_NOTIFY_CHANNEL", "WEBHOOK_URL", "WEBHOOK_SECRET",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'shop.db'}")


def test_a_fresh_install_says_what_is_off_and_that_nobody_can_reach_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port = _closed_port()
    monkeypatch.setenv("PUBLIC_BASE_URL", f"http://localhost:{port}")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("referral-bot ")
    assert lines[1] == (
        f"ok   database    {tmp_path / 'shop.db'} (not created yet: `serve` or `db upgrade` "
        "makes it, and the other commands need it)"
    )
    assert lines[2] == "ok   program     the built-in program (set REFERRAL_PROGRAM for yours)"
    assert lines[3].startswith(f"FIX  public URL  http://localhost:{port}: not reachable from here")
    assert lines[3].endswith("is `referral-bot serve` running there?")
    assert lines[4:] == [
        "off  sms         set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER or "
        "TWILIO_MESSAGING_SERVICE_SID (guide: `referral-bot docs twilio`)",
        "off  telegram    set TELEGRAM_BOT_TOKEN (guide: `referral-bot docs telegram`)",
        "off  slack       set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET "
        "(guide: `referral-bot docs slack`)",
        "off  api         /api/v1 answers 401 until REFERRAL_API_TOKEN is set",
        "off  webhooks    set WEBHOOK_URL and WEBHOOK_SECRET to send your CRM signed events",
    ]
    assert not (tmp_path / "shop.db").exists()  # doctor looks; it creates nothing


def test_a_webhook_url_without_its_secret_is_something_to_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://crm.example/hooks")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert (
        "FIX  webhooks    also set WEBHOOK_SECRET (whsec_ followed by base64): "
        "until then no webhook is sent"
    ) in result.stdout.splitlines()


def test_webhooks_name_their_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://crm.example/hooks, https://bi.example/in")
    monkeypatch.setenv("WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    result = runner.invoke(app, ["doctor"])
    assert (
        "ok   webhooks    signed events to 2 endpoints: "
        "https://crm.example/hooks, https://bi.example/in"
    ) in result.stdout.splitlines()


def findings(stdout: str) -> dict[str, tuple[str, str]]:
    """topic -> (verdict, detail), from doctor's screen."""
    return {line[5:16].strip(): (line[:3].strip(), line[17:]) for line in stdout.splitlines()[1:]}


def test_a_configured_deployment_and_what_each_channel_would_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with (
        in_thread(Health(), Health.start) as health,
        in_thread(FakeTelegram(), FakeTelegram.start) as telegram,
        in_thread(FakeSlack(), FakeSlack.start) as slack,
    ):
        monkeypatch.setenv("PUBLIC_BASE_URL", health.url)
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC123")
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.token)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", telegram.base_url)
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
        monkeypatch.setenv("SLACK_BOT_TOKEN", slack.token)
        monkeypatch.setenv("SLACK_API_BASE_URL", slack.base_url)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
        monkeypatch.setenv("SLACK_STAFF_USERS", "U1,U2")
        monkeypatch.setenv("REFERRAL_API_TOKEN", "t")
        result = runner.invoke(app, ["doctor"])
    found = findings(result.stdout)
    assert found["database"] == (
        "ok",
        f"sqlite:///{tmp_path / 'shop.db'}: writable, schema up to date",
    )
    assert found["public URL"] == ("FIX", f"{health.url}: reachable, but providers need https")
    assert found["sms"] == ("FIX", "also set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
    assert found["telegram"] == (
        "ok",
        f"Telegram accepts the token (@{telegram.username}); webhook at "
        f"{health.url}/telegram/webhook, checked with the secret",
    )
    assert found["slack"] == (
        "ok",
        "Slack accepts the token (referralbot in Fake); events, /referrals and buttons at "
        f"{health.url}/slack/events; 2 staff; referral cards to no channel (SLACK_NOTIFY_CHANNEL)",
    )
    assert found["api"] == ("ok", "/api/v1 takes the bearer REFERRAL_API_TOKEN")


def test_a_database_that_cannot_be_opened_and_a_broken_program_need_fixing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}")  # a folder, not a file
    program = tmp_path / "program.toml"
    program.write_text("[program]\nhold_dayz = 3\n", encoding="utf-8")
    monkeypatch.setenv("REFERRAL_PROGRAM", str(program))
    result = runner.invoke(app, ["doctor"])
    lines = result.stdout.splitlines()
    assert lines[1].startswith(f"FIX  database    sqlite:///{tmp_path}: cannot open (")
    assert lines[2] == (
        f"FIX  program     REFERRAL_PROGRAM={program}: [program] hold_dayz: unknown key; "
        "did you mean hold_days?"
    )


def test_credentials_a_provider_refuses_are_to_fix_before_any_message_waits_on_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with (
        in_thread(FakeTwilio(), FakeTwilio.start) as twilio,
        in_thread(FakeTelegram(), FakeTelegram.start) as telegram,
        in_thread(FakeSlack(), FakeSlack.start) as slack,
    ):
        for name, value in {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_API_BASE_URL": twilio.url,
            "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url,
            "SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": "shh",
            "SLACK_API_BASE_URL": slack.base_url,
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        accepted = findings(runner.invoke(app, ["doctor"]).stdout)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", "0" * 32)  # rotated in the Twilio Console
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:REVOKED")  # /revoke at @BotFather
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")  # the app reinstalled
        refused = findings(runner.invoke(app, ["doctor"]).stdout)
        monkeypatch.setenv("TWILIO_API_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
        unasked = findings(runner.invoke(app, ["doctor"]).stdout)
    assert accepted["sms"][0] == "ok"
    assert accepted["sms"][1].startswith(
        f"Twilio accepts the credentials (Referral shop); texts from {FROM_NUMBER}; "
    )
    assert accepted["telegram"][0] == accepted["slack"][0] == "ok"
    assert {topic: refused[topic] for topic in ("sms", "telegram", "slack")} == {
        "sms": ("FIX", "Twilio refused TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (20003: "
                       "Authenticate): nothing is sent on sms until it accepts them"),
        "telegram": ("FIX", "Telegram refused TELEGRAM_BOT_TOKEN (getMe: Unauthorized): "
                            "nothing is sent on telegram until it accepts them"),
        "slack": ("FIX", "Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth): nothing is "
                         "sent on slack until it accepts them"),
    }  # fmt: skip
    verdict, said = unasked["sms"]
    assert verdict == "FIX"
    assert said.startswith("could not ask Twilio whether it accepts the credentials (")


def test_without_a_public_url_doctor_looks_where_serve_listens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = _closed_port()
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", str(port))
    result = runner.invoke(app, ["doctor"])
    public = findings(result.stdout)["public URL"]
    assert public[0] == "FIX"
    assert public[1].startswith(f"http://localhost:{port}: not reachable from here")
