"""Make a Telegram bot ready for this deployment: check the token, register the webhook (or
clear it for long polling), and give the bot its command menu and description per language.

The Bot API takes a two-letter `language_code` (ISO 639-1), so Chinese is one code, `zh`:
it gets the script the business chooses. People whose language has no entry see the default
(English) texts.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, BotCommand
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.helpers import create_deep_linked_url

from bot.channels.telegram import WEBHOOK_PATH, api_url
from bot.channels.telegram_updates import ALLOWED_UPDATES
from bot.core.config import Settings
from bot.core.i18n import Catalogs

# Commands the grammar answers (`/link`, `/count`, ...), in menu order.
COMMANDS = ("link", "count", "top", "rewards", "lang", "help", "stop")
# Telegram's language_code -> our catalog; None is everyone else.
MENUS: tuple[tuple[str | None, str], ...] = ((None, "en"), ("en", "en"), ("ko", "ko"))


class SetupError(Exception):
    """Telegram said no, with what to do about it."""


@dataclass(frozen=True, slots=True)
class TelegramSetup:
    username: str
    bot_id: int
    receiving: str  # how updates arrive: the webhook URL, or long polling
    menus: tuple[str, ...]  # "ko (ko)", "zh (zh-Hant)", ...
    deep_link: str  # with CODE where the referral code goes


async def set_up_telegram(settings: Settings, catalogs: Catalogs, *, chinese: str) -> TelegramSetup:
    if not settings.telegram_bot_token:
        raise SetupError("set TELEGRAM_BOT_TOKEN (from @BotFather: /newbot)")
    bot = Bot(settings.telegram_bot_token, base_url=api_url(settings.telegram_api_base_url))
    try:
        async with bot:  # initialize() calls getMe: a bad token fails here
            me = bot.bot
            receiving = await _receive(bot, settings)
            menus = []
            for code, lang in (*MENUS, ("zh", chinese)):
                await _menu(bot, catalogs, code, lang)
                menus.append(f"{code or 'default'} ({lang})")
    except InvalidToken as exc:
        raise SetupError("Telegram refused TELEGRAM_BOT_TOKEN (getMe: Unauthorized)") from exc
    except TelegramError as exc:
        # PTB raises a bare NetworkError (or TimedOut) when no answer came; its subclass
        # BadRequest is an answer.
        if type(exc) in (NetworkError, TimedOut):
            why = f"could not reach Telegram ({exc.message}); nothing was changed"
            raise SetupError(why) from exc
        raise SetupError(f"Telegram answered: {exc.message}") from exc
    username = me.username or str(me.id)  # every bot has a username; the type allows none
    return TelegramSetup(
        username=username,
        bot_id=me.id,
        receiving=receiving,
        menus=tuple(menus),
        deep_link=create_deep_linked_url(username, "CODE"),
    )


async def _receive(bot: Bot, settings: Settings) -> str:
    secret = settings.telegram_webhook_secret
    if not secret:
        # getUpdates answers 409 while a webhook is set, so polling needs it gone.
        await bot.delete_webhook()
        return "long polling (no TELEGRAM_WEBHOOK_SECRET): `referral-bot serve` asks for updates"
    url = settings.public_base_url.rstrip("/") + WEBHOOK_PATH
    await bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    return f"webhook {url}, with the secret token"


async def _menu(bot: Bot, catalogs: Catalogs, code: str | None, lang: str) -> None:
    commands = [
        BotCommand(name, catalogs.text(lang, f"telegram.command.{name}")) for name in COMMANDS
    ]
    await bot.set_my_commands(commands, language_code=code)
    await bot.set_my_description(catalogs.text(lang, "telegram.description"), language_code=code)
    await bot.set_my_short_description(
        catalogs.text(lang, "telegram.short_description"), language_code=code
    )
