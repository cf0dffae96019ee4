"""The next steps offered under a reply: buttons on Slack and Telegram, keywords on SMS."""

from __future__ import annotations

from bot.core.i18n import Catalogs
from bot.core.messages import Button

# keyword the person would type -> catalog key of the button label
_CHOICES = {
    "LINK": "buttons.link",
    "COUNT": "buttons.count",
    "TOP": "buttons.top",
    "REWARDS": "buttons.rewards",
    "HELP": "buttons.help",
    "OFFER": "buttons.offer",
}


def menu(catalogs: Catalogs, lang: str, *keywords: str) -> tuple[Button, ...]:
    return tuple(Button(catalogs.text(lang, _CHOICES[k]), k) for k in keywords)
