"""Outbound on Telegram: buttons as an inline keyboard, and the Bot API's errors as the
dispatcher's DeliveryFailed, so it knows what to retry and whom to stop writing to."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlencode

import aiohttp
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.send_timeouts import aiohttp_failure
from bot.core.channel import DeliveryFailed
from bot.core.messages import Button

MAX_CALLBACK_DATA = 64  # bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton)
_ROW = 2


def keyboard(buttons: Sequence[Button]) -> dict[str, object] | None:
    """One inline button per keyword; a tap comes back as a callback query with that keyword.
    A share button opens Telegram's share sheet with the link (its own row, last).

    The Bot API's InlineKeyboardMarkup as JSON, written out: PTB's objects and their
    `to_dict` cost 36 us a message for three buttons, for the same dict."""
    shares = [[{"text": b.label, "url": share_url(b.value)}] for b in buttons if b.is_share]
    fitting = [
        b for b in buttons if not b.is_share and 0 < len(b.value.encode()) <= MAX_CALLBACK_DATA
    ]
    if not fitting and not shares:
        return None
    rows = [fitting[i : i + _ROW] for i in range(0, len(fitting), _ROW)]
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.value} for b in row] for row in rows
        ]
        + shares
    }


def share_url(link: str) -> str:
    """https://t.me/share/url?url=...: Telegram's own share sheet (https://core.telegram.org/widgets/share)."""
    return "https://t.me/share/url?" + urlencode({"url": link})


def retry_seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds, whichever type this PTB version hands back."""
    # PTB 22.2+ warns that the int form is deprecated (timedelta with PTB_TIMEDELTA=true).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def delivery_failure(exc: TelegramError) -> DeliveryFailed:
    """How the dispatcher should treat a failed sendMessage.

    PTB maps by HTTP status (request/_baserequest.py): 403 Forbidden, 401/404 InvalidToken,
    400 BadRequest (a NetworkError subclass, so checked first), 429 with
    `parameters.retry_after` RetryAfter, everything else NetworkError.
    """
    detail = exc.message
    if isinstance(exc, RetryAfter):
        # The answer does not say which limit it was; pausing the whole bot (its 30/s) for the
        # retry-after is the reading that never breaks a limit again.
        return DeliveryFailed(
            "rate_limited",
            permanent=False,
            detail=detail,
            retry_after=retry_seconds(exc),
            wide=True,
        )
    if isinstance(exc, Forbidden):
        # "bot was blocked by the user", "user is deactivated", "bot can't initiate conversation"
        return DeliveryFailed("blocked", permanent=True, detail=detail)
    if isinstance(exc, InvalidToken):  # the bot's, not the message's: the channel pauses
        return DeliveryFailed("auth", permanent=False, detail=f"{detail}; check TELEGRAM_BOT_TOKEN")
    if isinstance(exc, ChatMigrated):  # a group became a supergroup; we only talk in private
        return DeliveryFailed("invalid_address", permanent=True, detail=detail)
    if isinstance(exc, BadRequest):
        lowered = detail.lower()
        if "not found" in lowered or "peer_id_invalid" in lowered:
            return DeliveryFailed("not_found", permanent=True, detail=detail)
        # "message is too long", "message text is empty", BUTTON_DATA_INVALID: sending the
        # same request again cannot help.
        return DeliveryFailed("invalid_address", permanent=True, detail=detail)
    # telegram_http.py raises TimedOut/NetworkError `from` the aiohttp error, which tells
    # whether the request had left.
    cause = exc.__cause__
    if isinstance(cause, TimeoutError | aiohttp.ClientError) and (
        aiohttp_failure(cause).reason == "uncertain"
    ):
        detail = f"{detail} ({type(cause).__name__})"
        return DeliveryFailed("uncertain", permanent=False, detail=detail)
    # NetworkError (connect and pool timeouts included: nothing left), Conflict, and error
    # types PTB may add later.
    return DeliveryFailed("transient", permanent=False, detail=detail)
