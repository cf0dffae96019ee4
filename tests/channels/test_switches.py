"""A channel's switch (read before its SDK is imported) says what its from_settings says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.channels import slack, sms, telegram
from bot.channels.switches import SLACK, SMS, TELEGRAM
from bot.core.config import Settings

SETTINGS = [
    {},
    {"twilio_account_sid": "AC1", "twilio_auth_token": "t"},
    {"twilio_account_sid": "AC1", "twilio_auth_token": "t", "twilio_from_number": "+14155550199"},
    {"twilio_account_sid": "AC1", "twilio_auth_token": "t",
     "twilio_messaging_service_sid": "MG1"},
    {"twilio_auth_token": "t", "twilio_from_number": "+14155550199"},
    {"telegram_bot_token": "123:abc"},
    {"slack_bot_token": "xoxb-1"},
    {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s"},
]


@pytest.mark.parametrize("values", SETTINGS)
def test_each_switch_agrees_with_its_channel(values: dict[str, str]) -> None:
    settings = Settings(public_base_url="https://ref.example", **values)  # type: ignore[arg-type]
    assert SMS.on(settings) == (sms.from_settings(settings) is not None)
    assert TELEGRAM.on(settings) == (telegram.from_settings(settings) is not None)
    assert SLACK.on(settings) == (slack.from_settings(settings) is not None)


def test_a_telegram_only_process_never_imports_the_twilio_or_slack_sdk(tmp_path: Path) -> None:
    probe = (
        "import asyncio, sys\n"
        "from bot.app import build, channels_from_settings\n"
        "from bot.core.config import Settings\n"
        f"settings = Settings(telegram_bot_token='123:abc', database_url='sqlite:///{tmp_path}/b.db')\n"
        "async def main():\n"
        "    bot = await build(settings, channels=channels_from_settings(settings))\n"
        "    await bot.close()\n"
        "    return list(bot.channels)\n"
        "names = asyncio.run(main())\n"
        "print(names, sorted({m.split('.')[0] for m in sys.modules\n"
        "      if m.startswith(('twilio', 'slack_sdk', 'slack_bolt'))}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env={"PATH": "", "PYTHONWARNINGS": "ignore"}).stdout
    assert out.strip() == "['telegram'] []"
