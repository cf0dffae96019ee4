"""Telegram updates read as what they mean to us: a person wrote, or a person blocked the bot.

Pure functions over PTB's `Update`, shared by the webhook and the long-polling loop, so both
paths read an update the same way. Only private chats are conversations: a referral link is
personal, and a reply in a group would show it to everyone there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.core.language import language_of_tag
from bot.core.messages import Address, Inbound, Profile
from bot.core.normalize import clean

CHANNEL = "telegram"

# Update types we ask Telegram for (setWebhook / getUpdates `allowed_updates`).
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")


@dataclass(frozen=True, slots=True)
class Reachability:
    """The person blocked the bot (`kicked`) or unblocked it (`member`)."""

    address: Address
    reachable: bool


Reading = Inbound | Reachability | None


def language_hint(code: str | None) -> str | None:
    """Telegram's IETF `language_code` as one of our languages; None when Telegram sent none."""
    if not code:
        return None
    return language_of_tag(code) or "en"


def display_name(user: User) -> str:
    """First and last name, without bidi overrides or control characters (they would scramble
    the thank-you a referrer reads)."""
    return clean(" ".join(part for part in (user.first_name, user.last_name) if part))


def read_update(update: Update, *, bot_username: str | None, now: datetime) -> Reading:
    """What this update means to the core, or None when it is none of its business."""
    if update.message is not None:
        return _message(update.update_id, update.message, bot_username, now)
    if update.callback_query is not None:
        return _callback(update.callback_query, now)
    member = update.my_chat_member
    if member is not None and _private(member.chat) and _valid_user(member.from_user):
        status = member.new_chat_member.status
        address = Address(CHANNEL, str(member.from_user.id))
        if status == "kicked":
            return Reachability(address, reachable=False)
        if status == "member":
            return Reachability(address, reachable=True)
    # edited_message, channel_post and the rest: nothing a person asked us for.
    return None


def _message(update_id: int, message: Message, bot_username: str | None, now: datetime) -> Reading:
    user = message.from_user
    if not _private(message.chat) or user is None or not _valid_user(user):
        return None
    text = message.text or message.caption or ""
    if not isinstance(text, str):  # PTB does not type-check; Telegram always sends a string
        return None
    if not text and message.effective_attachment is None:
        return None  # a service message (pinned, payment, ...), not something typed
    profile = replace(_profile(user, message.chat), media_only=not text)
    # update_id alone could repeat: after a quiet week Telegram restarts it at a random number
    # (https://core.telegram.org/bots/api#update); the chat's message id never repeats.
    event_id = f"{update_id}:{message.chat.id}:{message.message_id}"
    return Inbound(
        sender=Address(CHANNEL, str(user.id)),
        text=_strip_mention(text, bot_username),
        event_id=event_id,
        received_at=now,
        profile=profile,
    )


def _callback(query: CallbackQuery, now: datetime) -> Reading:
    """A tapped inline button: its data is the keyword the person would have typed."""
    user = query.from_user
    chat = query.message.chat if query.message is not None else None
    if not isinstance(query.data, str) or not _valid_user(user):
        return None  # no data: a game button; a hostile body may carry a list
    if chat is not None and not _private(chat):
        return None
    return Inbound(
        sender=Address(CHANNEL, str(user.id)),
        text=query.data,
        event_id=f"cb:{query.id}",
        received_at=now,
        profile=_profile(user, chat),
    )


def _profile(user: User, chat: Chat | None) -> Profile:
    return Profile(
        name=display_name(user),
        reply_to=str(chat.id) if chat is not None and _valid_id(chat.id) else None,
        lang=language_hint(user.language_code),
    )


def _strip_mention(text: str, bot_username: str | None) -> str:
    """`/start@our_bot CODE` -> `/start CODE`: the grammar reads commands without the mention."""
    if not bot_username:
        return text
    mention = re.compile(rf"(?<!\S)(/\w+)@{re.escape(bot_username)}(?!\w)", re.IGNORECASE)
    return mention.sub(r"\1", text)


def _private(chat: Chat) -> bool:
    return chat.type == Chat.PRIVATE and _valid_id(chat.id)


def _valid_user(user: User | None) -> bool:
    # PTB does not type-check ids; a hostile body could carry {"id": "x"} or {"id": true}.
    return user is not None and not user.is_bot and _valid_id(user.id)


def _valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
