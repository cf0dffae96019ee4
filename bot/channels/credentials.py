"""Whether each provider accepts our credentials, asked with one cheap read that sends nothing
to anyone (`referral-bot doctor`): Twilio's account (what `twilio setup` fetches first),
Telegram's getMe (what `telegram setup` and the channel's start call), Slack's auth.test.

A refusal is what the dispatcher would meet at the first send: the channel paused and every
message of it waiting (bot/delivery/sending.py). A provider that cannot be asked from here is
said as such, not as a refusal. The same reads tell a paused channel when the provider accepts
the credentials again (`probes`, bot/services/credential_watch.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import aiohttp

from bot.core.config import Settings

TIMEOUT = 5.0  # seconds: doctor is one screen, read at once


@dataclass(frozen=True, slots=True)
class Checked:
    accepted: bool | None  # None: the provider could not be asked
    said: str  # who we are there, what it refused, or why it could not be asked


def _unasked(provider: str, exc: BaseException) -> Checked:
    why = f"{type(exc).__name__}: {exc}".strip().rstrip(":")[:160]
    return Checked(None, f"could not ask {provider} whether it accepts the credentials ({why})")


async def twilio(settings: Settings) -> Checked:
    from twilio.base.exceptions import TwilioRestException

    from bot.channels.sms_http import SdkHttp
    from bot.channels.sms_setup import make_client, said

    http = SdkHttp(timeout=TIMEOUT)
    try:
        client = make_client(settings, http)
        account = await client.api.v2010.accounts(settings.twilio_account_sid).fetch_async()
    except TwilioRestException as exc:
        return Checked(False if exc.status == 401 else None, said(exc))
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        return _unasked("Twilio", exc)
    finally:
        await http.close()
    return Checked(True, f"Twilio accepts the credentials ({account.friendly_name})")


async def telegram(settings: Settings) -> Checked:
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError
    from telegram.request import HTTPXRequest

    from bot.channels.telegram import api_url

    request = HTTPXRequest(connect_timeout=TIMEOUT, read_timeout=TIMEOUT)
    bot = Bot(
        settings.telegram_bot_token or "",
        base_url=api_url(settings.telegram_api_base_url),
        request=request,
    )
    try:
        async with bot:  # initialize() is getMe
            username = bot.username
    except InvalidToken:  # PTB's own words quote the token: not those
        return Checked(False, "Telegram refused TELEGRAM_BOT_TOKEN (getMe: Unauthorized)")
    except TelegramError as exc:
        return _unasked("Telegram", exc)
    return Checked(True, f"Telegram accepts the token (@{username})")


async def slack(settings: Settings) -> Checked:
    from slack_sdk.errors import SlackApiError, SlackClientError
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.channels.slack import DEFAULT_API
    from bot.channels.slack_outbound import AUTH

    client = AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_base_url or DEFAULT_API,
        timeout=int(TIMEOUT),
    )
    try:
        found = await client.auth_test()
    except SlackApiError as exc:
        code = exc.response.get("error")
        if code in AUTH:
            return Checked(False, f"Slack refused SLACK_BOT_TOKEN (auth.test: {code})")
        return _unasked("Slack", exc)
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        return _unasked("Slack", exc)
    return Checked(True, f"Slack accepts the token ({found.get('user')} in {found.get('team')})")


Ask = Callable[[Settings], Awaitable[Checked]]
BY_CHANNEL: dict[str, Ask] = {"sms": twilio, "telegram": telegram, "slack": slack}


def probes(
    settings: Settings, channels: Iterable[str]
) -> dict[str, Callable[[], Awaitable[bool | None]]]:
    """For each of these channels that has a read to ask with: whether the provider accepts
    the credentials now (None: it could not be asked)."""

    def probe(ask: Ask) -> Callable[[], Awaitable[bool | None]]:
        async def accepted() -> bool | None:
            return (await ask(settings)).accepted

        return accepted

    return {name: probe(BY_CHANNEL[name]) for name in channels if name in BY_CHANNEL}
