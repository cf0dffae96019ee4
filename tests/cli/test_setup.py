"""Connecting providers, each a command checked against the loopback fake of that provider."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.core.clock import FakeClock
from tests.channels.fake_slack import FORM, JSON, FakeSlack, SlackHarness, command_body, sign
from tests.channels.fake_telegram import TOKEN, FakeTelegram
from tests.channels.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.cli.threaded import in_thread

runner = CliRunner()
BASE = "https://referrals.shop.example"


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    for name in ("REFERRAL_PROGRAM", "TELEGRAM_WEBHOOK_SECRET", "TWILIO_MESSAGING_SERVICE_SID"):
        monkeypatch.delenv(name, raising=False)


# -- Slack -----------------------------------------------------------------------------------


def test_the_slack_manifest_names_scopes_the_command_events_and_buttons() -> None:
    result = runner.invoke(app, ["slack", "manifest", "--name", "Shop Referrals"])
    assert result.exit_code == 0
    manifest = yaml.safe_load(result.stdout)
    events = f"{BASE}/slack/events"
    assert manifest["settings"]["event_subscriptions"] == {
        "request_url": events,
        "bot_events": ["app_mention", "message.im"],
    }
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": events}
    [command] = manifest["features"]["slash_commands"]
    assert (command["command"], command["url"]) == ("/referrals", events)
    assert {"chat:write", "commands", "im:history"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )
    assert manifest["display_information"]["name"] == "Shop Referrals"
    assert manifest["features"]["bot_user"]["display_name"] == "shop-referrals"


def test_an_app_made_from_the_manifest_may_upload_the_link_reply_s_qr_code() -> None:
    """The link reply on Slack carries a QR code image (files.getUploadURLExternal and
    files.completeUploadExternal), which Slack refuses with `missing_scope` without files:write."""
    result = runner.invoke(app, ["slack", "manifest"])
    assert "files:write" in yaml.safe_load(result.stdout)["oauth_config"]["scopes"]["bot"]


async def test_the_manifests_url_is_where_the_slack_channel_answers(
    sqlite_url: str, clock: FakeClock
) -> None:
    """Slack's first request to a new app: url_verification, signed, at the manifest's URL."""
    manifest = yaml.safe_load(runner.invoke(app, ["slack", "manifest"]).stdout)
    path = urlparse(manifest["settings"]["event_subscriptions"]["request_url"]).path
    fake = FakeSlack()
    await fake.start()
    harness = await SlackHarness.open(sqlite_url, clock, fake)
    try:
        body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
        headers = {"Content-Type": JSON, **sign(body.encode(), timestamp=harness.now())}
        answer = await harness.http.post(path, content=body, headers=headers)
        assert answer.status_code == 200 and answer.json() == {"challenge": "c-123"}
        command = command_body("link")
        command_path = urlparse(manifest["features"]["slash_commands"][0]["url"]).path
        headers = {"Content-Type": FORM, **sign(command, timestamp=harness.now())}
        assert (await harness.http.post(command_path, content=command, headers=headers)).is_success
    finally:
        await harness.close()
        await fake.stop()


# -- Telegram --------------------------------------------------------------------------------


def test_telegram_setup_registers_the_webhook_and_the_menus_in_each_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with in_thread(FakeTelegram(), FakeTelegram.start) as fake:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "a-long-random-secret")
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        result = runner.invoke(app, ["telegram", "setup", "--chinese", "zh-Hant"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "bot:       @ref_test_bot (id 123456), token accepted",
        f"updates:   webhook {BASE}/telegram/webhook, with the secret token",
        "menus:     commands, description and short description for default (en), en (en), "
        "ko (ko), zh (zh-Hant)",
        "deep link: https://t.me/ref_test_bot?start=CODE  (CODE is a person's referral code)",
    ]
    assert fake.webhook == {
        "url": f"{BASE}/telegram/webhook",
        "secret_token": "a-long-random-secret",
        "allowed_updates": ["message", "callback_query", "my_chat_member"],
    }
    assert set(fake.profile) == {"", "en", "ko", "zh"}
    korean = {c["command"]: c["description"] for c in fake.profile["ko"]["commands"]}
    assert korean["link"] == "내 추천 링크" and list(korean)[:3] == ["link", "count", "top"]
    assert fake.profile["zh"]["short_description"] == "你的推薦連結、加入的朋友、你的獎勵。"
    assert fake.profile[""]["description"].startswith("I keep your referral link")


def test_without_a_secret_telegram_setup_clears_the_webhook_for_long_polling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with in_thread(FakeTelegram(), FakeTelegram.start) as fake:
        fake.webhook = {"url": "https://old.example/hook"}
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        result = runner.invoke(app, ["telegram", "setup"])
    assert "updates:   long polling (no TELEGRAM_WEBHOOK_SECRET)" in result.stdout
    assert fake.webhook == {} and fake.called("deleteWebhook")
    assert fake.profile["zh"]["short_description"] == "你的推荐链接、加入的朋友、你的奖励。"


def test_a_refused_telegram_token_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with in_thread(FakeTelegram(), FakeTelegram.start) as fake:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:wrong")
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        result = runner.invoke(app, ["telegram", "setup"])
    assert result.exit_code == 2
    assert result.stderr == "error: Telegram refused TELEGRAM_BOT_TOKEN (getMe: Unauthorized)\n"


def test_a_chinese_script_that_is_not_one_is_named_with_the_two_there_are() -> None:
    result = runner.invoke(app, ["telegram", "setup", "--chinese", "zh-XX"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --chinese 'zh-XX' is not a script: write zh-Hant (traditional characters) "
        "or zh-Hans (simplified)\n"
    )


def test_a_chinese_script_may_be_written_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    with in_thread(FakeTelegram(), FakeTelegram.start) as fake:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        result = runner.invoke(app, ["telegram", "setup", "--chinese", "zh-hant"])
    assert result.exit_code == 0, result.output
    assert fake.profile["zh"]["short_description"] == "你的推薦連結、加入的朋友、你的獎勵。"


# -- Twilio ----------------------------------------------------------------------------------


def _twilio_env(monkeypatch: pytest.MonkeyPatch, fake: FakeTwilio, **extra: str) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", extra.pop("token", AUTH_TOKEN))
    monkeypatch.setenv("TWILIO_API_BASE_URL", fake.url)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


def test_twilio_setup_points_the_number_here_and_shows_what_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with in_thread(FakeTwilio(), FakeTwilio.start) as fake:
        number = fake.add_number(FROM_NUMBER)
        _twilio_env(monkeypatch, fake, TWILIO_FROM_NUMBER=FROM_NUMBER)
        first = runner.invoke(app, ["twilio", "setup"])
        again = runner.invoke(app, ["twilio", "setup"])
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "account: Referral shop, credentials accepted",
        f"number {FROM_NUMBER}:",
        f"  sms_url: https://demo.twilio.com/welcome/sms/reply -> {BASE}/twilio/sms",
        "  sms_method: POST (already)",
        f"  delivery reports: {BASE}/twilio/status, named by every message the bot sends",
    ]
    assert number["sms_url"] == f"{BASE}/twilio/sms"
    assert f"  sms_url: {BASE}/twilio/sms (already)" in again.stdout.splitlines()
    updates = [r for r in fake.requests if r.method == "POST"]
    assert len(updates) == 1 and updates[0].get("SmsUrl") == f"{BASE}/twilio/sms"


def test_twilio_setup_points_a_messaging_service_here(monkeypatch: pytest.MonkeyPatch) -> None:
    with in_thread(FakeTwilio(), FakeTwilio.start) as fake:
        service = fake.add_service("Shop sender pool")
        _twilio_env(monkeypatch, fake, TWILIO_MESSAGING_SERVICE_SID=service["sid"])
        result = runner.invoke(app, ["twilio", "setup"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        f"Messaging Service {service['sid']} (Shop sender pool):",
        f"  inbound_request_url: (none) -> {BASE}/twilio/sms",
        "  inbound_method: POST (already)",
        f"  status_callback: (none) -> {BASE}/twilio/status",
        "  use_inbound_webhook_on_number: true -> false",
    ]
    assert service["inbound_request_url"] == f"{BASE}/twilio/sms"
    assert service["status_callback"] == f"{BASE}/twilio/status"
    assert service["use_inbound_webhook_on_number"] is False


def test_twilio_setup_says_when_credentials_or_the_number_are_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with in_thread(FakeTwilio(), FakeTwilio.start) as fake:
        _twilio_env(monkeypatch, fake, token="wrong", TWILIO_FROM_NUMBER=FROM_NUMBER)
        refused = runner.invoke(app, ["twilio", "setup"])
        _twilio_env(monkeypatch, fake, TWILIO_FROM_NUMBER="+14155550000")
        unknown = runner.invoke(app, ["twilio", "setup"])
    assert refused.exit_code == 2
    assert refused.stderr == (
        "error: Twilio refused TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (20003: Authenticate)\n"
    )
    assert unknown.stderr == (
        "error: TWILIO_FROM_NUMBER +14155550000 is not a number of this Twilio account\n"
    )


def _refusing_url() -> str:
    """A loopback address where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_setup_that_cannot_reach_the_provider_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unreachable = _refusing_url()
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_FROM_NUMBER", FROM_NUMBER)
    monkeypatch.setenv("TWILIO_API_BASE_URL", unreachable)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", unreachable)
    twilio = runner.invoke(app, ["twilio", "setup"])
    telegram = runner.invoke(app, ["telegram", "setup"])
    assert twilio.exit_code == 2
    assert twilio.stderr.startswith("error: could not reach Twilio (ClientConnectorError: ")
    assert twilio.stderr.endswith("); nothing was changed\n")
    assert "Traceback" not in twilio.output
    assert telegram.exit_code == 2
    assert telegram.stderr == (
        "error: could not reach Telegram (httpx.ConnectError: All connection attempts failed);"
        " nothing was changed\n"
    )
