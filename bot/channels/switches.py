"""Which channels the settings turn on, decided before a provider's SDK is imported.

The Twilio and Slack SDKs cost about 14 and 9 MB of memory each (measured with VmRSS), for
nothing in a process whose channel is off; each module is imported only once its switch is on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.channel import Channel
from bot.core.config import Settings


@dataclass(frozen=True, slots=True)
class Switch:
    channel: str
    required: str  # what the log tells an operator to set
    on: Callable[[Settings], bool]  # the same test as the module's from_settings, SDK-free
    build: Callable[[Settings], Channel | None]  # imports the channel's module


def _sms(settings: Settings) -> Channel | None:
    from bot.channels import sms

    return sms.from_settings(settings)


def _telegram(settings: Settings) -> Channel | None:
    from bot.channels import telegram

    return telegram.from_settings(settings)


def _webhook(settings: Settings) -> Channel | None:
    from bot.channels import webhook

    return webhook.from_settings(settings)


def _slack(settings: Settings) -> Channel | None:
    from bot.channels import slack

    return slack.from_settings(settings)


SMS = Switch(
    "sms",
    "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID",
    lambda s: bool(
        s.twilio_account_sid
        and s.twilio_auth_token
        and (s.twilio_from_number or s.twilio_messaging_service_sid)
    ),
    _sms,
)
TELEGRAM = Switch(
    "telegram",
    "TELEGRAM_BOT_TOKEN (with TELEGRAM_WEBHOOK_SECRET for webhook mode; without it, polling)",
    lambda s: bool(s.telegram_bot_token),
    _telegram,
)
SLACK = Switch(
    "slack",
    "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
    lambda s: bool(s.slack_bot_token and s.slack_signing_secret),
    _slack,
)
WEBHOOK = Switch(
    "webhook",
    "WEBHOOK_URL and WEBHOOK_SECRET (whsec_ followed by base64)",
    lambda s: bool(s.webhook_url and s.webhook_secret),
    _webhook,
)
SWITCHES = (SMS, TELEGRAM, SLACK, WEBHOOK)
