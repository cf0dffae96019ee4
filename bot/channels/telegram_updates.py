"""Telegram updates read as what they mean to us: a person wrote, or a person blocked the bot.

Pure functions over an update as Telegram sends it (the JSON object, https://core.telegram.org/
bots/api#update), shared by the webhook and the long-polling loop, so both paths read an update
the same way. Only private chats are conversations: a referral link is personal, and a reply in a
group would show it to everyone there.

Why not PTB's `Update.de_json`: it builds every object of the update with all of Message's 220
attributes, each set through a checked `__setattr__`, ~150-300 µs an update, as much as the rest
of a join; we read the dozen fields we need. Fields are checked for their type here, since a
hostile body may carry anything (PTB did not check them either).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from telegram.constants import MessageAttachmentType

from bot.core.language import language_of_tag
from bot.core.messages import Address, Inbound, Profile
from bot.core.normalize import clean

CHANNEL = "telegram"

# Update types we ask Telegram for (setWebhook / getUpdates `allowed_updates`).
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
# A message that opens with a command addressed to a bot by name: `/start@ref_bot ...`.
_ADDRESSED_COMMAND = re.compile(r"\s*/\w+@(\w+)(?!\w)")


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


# What PTB's `Message.effective_attachment` looks for: a message with one of these and no text is
# media, not a service message.
_ATTACHMENTS = tuple(kind.value for kind in MessageAttachmentType)

Json = Mapping[str, Any]


def display_name(user: Json) -> str:
    """First and last name, without bidi overrides or control characters (they would scramble
    the thank-you a referrer reads)."""
    parts = (user.get("first_name"), user.get("last_name"))
    return clean(" ".join(part for part in parts if isinstance(part, str) and part))


def update_id(update: Json) -> int | None:
    """The update's id; None when it has none that is an integer (PTB accepts "abc")."""
    found = update.get("update_id")
    return found if _valid_id(found) else None


def callback_query_id(update: Json) -> str | None:
    """The id of the tapped button's query, to acknowledge; None for anything else."""
    query = _object(update, "callback_query")
    found = None if query is None else query.get("id")
    return found if isinstance(found, str) else None


def lane(update: Json) -> Hashable:
    """The chat an update belongs to (else its sender, else itself): the unit kept in order."""
    for kind in ("message", "callback_query", "my_chat_member"):
        part = _object(update, kind)
        if part is None:
            continue
        holder = _object(part, "message") if kind == "callback_query" else part
        chat = None if holder is None else _object(holder, "chat")
        if chat is not None and _valid_id(chat.get("id")):
            return ("chat", chat["id"])
        user = _object(part, "from")
        if user is not None and _valid_id(user.get("id")):
            return ("user", user["id"])
    return ("update", update.get("update_id"))


class NotAnUpdate(ValueError):
    """A part of the update lacks a field the Bot API always sends, or has one of another type
    (the fields PTB's `de_json` required); logged and skipped, never retried."""


def read_update(update: Json, *, bot_username: str | None, now: datetime) -> Reading:
    """What this update means to the core, or None when it is none of its business."""
    uid = update_id(update)
    if uid is None:
        raise NotAnUpdate("no integer update_id")
    if "message" in update:
        return _message(uid, _part(update, "message"), bot_username, now)
    if "callback_query" in update:
        return _callback(_part(update, "callback_query"), now)
    if "my_chat_member" in update:
        return _membership(_part(update, "my_chat_member"))
    # edited_message, channel_post and the rest: nothing a person asked us for.
    return None


def _message(uid: int, message: Json, bot_username: str | None, now: datetime) -> Reading:
    _require(message, "message", message_id=int, date=int)
    chat = _chat(_part(message, "chat"))
    user = _user(message.get("from"))  # none in a channel post
    if not _private(chat) or user is None or user.get("is_bot"):
        return None
    text = message.get("text") or message.get("caption") or ""
    if not isinstance(text, str):
        raise NotAnUpdate("a message's text is not a string")
    if not text and not any(message.get(kind) for kind in _ATTACHMENTS):
        return None  # a service message (pinned, payment, ...), not something typed
    ours = _addressed(text, bot_username)
    if ours is None:
        return None  # `/start@other_bot CODE`: another bot's command
    profile = replace(_profile(user, chat), media_only=not text)
    # update_id alone could repeat: after a quiet week Telegram restarts it at a random number
    # (https://core.telegram.org/bots/api#update); the chat's message id never repeats.
    event_id = f"{uid}:{chat['id']}:{message['message_id']}"
    return Inbound(
        sender=Address(CHANNEL, str(user["id"])),
        text=ours,
        event_id=event_id,
        received_at=now,
        profile=profile,
    )


def _callback(query: Json, now: datetime) -> Reading:
    """A tapped inline button: its data is the keyword the person would have typed."""
    _require(query, "callback_query", id=str, chat_instance=str)
    user = _user(_part(query, "from"))
    assert user is not None
    message = query.get("message")
    chat = _chat(_part(query, "message", "chat")) if isinstance(message, Mapping) else None
    data = query.get("data")
    if not isinstance(data, str) or user.get("is_bot"):
        return None  # no data: a game button
    if chat is not None and not _private(chat):
        return None
    return Inbound(
        sender=Address(CHANNEL, str(user["id"])),
        text=data,
        event_id=f"cb:{query['id']}",
        received_at=now,
        profile=_profile(user, chat),
    )


def _membership(member: Json) -> Reading:
    """The person blocked the bot (`kicked`) or unblocked it (`member`) in their private chat."""
    _require(member, "my_chat_member", date=int)
    chat = _chat(_part(member, "chat"))
    user = _user(_part(member, "from"))
    new = _part(member, "new_chat_member")
    _require(new, "new_chat_member", status=str)
    if not _private(chat) or user is None or user.get("is_bot"):
        return None
    address = Address(CHANNEL, str(user["id"]))
    if new["status"] == "kicked":
        return Reachability(address, reachable=False)
    if new["status"] == "member":
        return Reachability(address, reachable=True)
    return None


def _profile(user: Json, chat: Json | None) -> Profile:
    code = user.get("language_code")
    return Profile(
        name=display_name(user),
        reply_to=str(chat["id"]) if chat is not None and _valid_id(chat.get("id")) else None,
        lang=language_hint(code if isinstance(code, str) else None),
    )


def _addressed(text: str, bot_username: str | None) -> str | None:
    """The text as the grammar reads it, or None when it is a command for another bot.

    `/start@our_bot CODE` -> `/start CODE`: the grammar reads bare commands only. A message
    that opens with `/start@other_bot` or `/link@other_bot` is that bot's, in a group or in our
    private chat alike (PTB's CommandHandler ignores it too), so it is none of ours; so is any
    such command while getMe has not told us our own @username (usernames are
    case-insensitive)."""
    command = _ADDRESSED_COMMAND.match(text)
    if command is not None and (
        bot_username is None or command[1].casefold() != bot_username.casefold()
    ):
        return None
    if not bot_username:
        return text
    mention = re.compile(rf"(?<!\S)(/\w+)@{re.escape(bot_username)}(?!\w)", re.IGNORECASE)
    return mention.sub(r"\1", text)


def _object(parent: Json, key: str) -> Json | None:
    """`parent[key]` when it is a JSON object."""
    found = parent.get(key)
    return found if isinstance(found, Mapping) else None


def _part(parent: Json, *path: str) -> Json:
    """The JSON object at `path`, which the Bot API always sends."""
    found: Json | None = parent
    for key in path:
        found = None if found is None else _object(found, key)
    if found is None:
        raise NotAnUpdate(f"no object {'.'.join(path)}")
    return found


def _require(part: Json, name: str, **types: type) -> None:
    for field, kind in types.items():
        value = part.get(field)
        if not (_valid_id(value) if kind is int else isinstance(value, kind)):
            raise NotAnUpdate(f"{name}.{field} is not a {kind.__name__}")


def _chat(chat: Json) -> Json:
    _require(chat, "chat", id=int, type=str)
    return chat


def _user(user: object) -> Json | None:
    if user is None:
        return None
    if not isinstance(user, Mapping):
        raise NotAnUpdate("a user is not an object")
    _require(user, "user", id=int, is_bot=bool, first_name=str)
    return user


def _private(chat: Json) -> bool:
    return bool(chat["type"] == "private")


def _valid_id(value: object) -> bool:
    """An integer as the Bot API sends them: ids fit in 64 bits (https://core.telegram.org/bots/
    api#user), where JSON allows any, and a 4,000-digit one would be a 4,000-character address."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
