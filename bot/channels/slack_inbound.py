"""What a Slack user said, read from an Events API event, a slash command or a button click.

Pure translation: each function returns the `Inbound` the engine should read, or None for
things that are not addressed to the bot (channel chatter, edits, other bots, our own posts).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.messages import Address, Inbound, Profile

CHANNEL = "slack"
COMMAND = "/referrals"
# `/referrals <sub>` -> the keyword the grammar reads; empty text asks for help.
SUBCOMMANDS = {
    "link": "LINK",
    "count": "COUNT",
    "top": "TOP",
    "rewards": "REWARDS",
    "help": "HELP",
    "offer": "OFFER",
}
KEYWORDS = frozenset(SUBCOMMANDS.values())  # the only values our buttons carry
ACTION_PREFIX = "referral_keyword_"  # + the button's position; its value is the keyword
ACTION_ID = re.compile(rf"\A{ACTION_PREFIX}[0-9]{{1,2}}\Z")  # Bolt matches with search()
# Subtypes that are still a person writing to us; every other subtype (bot_message,
# message_changed, message_deleted, channel_join, ...) is not. https://docs.slack.dev/reference/events/message
_PERSON_SUBTYPES = frozenset({None, "file_share"})
# Slack's markup: <@U1|name>, <#C1|name>, <!here>, <https://x|label>.
# https://docs.slack.dev/messaging/formatting-message-text#retrieving-messages
_MARKUP = re.compile(r"<([@#!]?)([^<>|\s][^<>|]*)(?:\|([^<>]*))?>")
_ID_LENGTH = 255  # room for Slack's ids to grow, not for a 4 KB string


@dataclass(slots=True)
class BotIdentity:
    """Who the bot is in the workspace, learned from `auth.test` when the channel starts."""

    user_id: str | None = None
    bot_id: str | None = None
    team_id: str | None = None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def slack_id(value: object) -> str | None:
    """A user, team or channel id, or None for a string that is none: Slack's are a dozen ASCII
    letters and digits (U0123ABCD), and two of them make the address we keep and send to, which
    an index must hold whole (a 4 KB one was a 500 on PostgreSQL)."""
    text = _str(value)
    fits = text is not None and len(text) <= _ID_LENGTH and text.isascii() and text.isprintable()
    return text if fits else None


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def plain_text(text: str) -> str:
    """Slack's escaped markup as a person would read it: `<@U1|ann>` -> `@ann`, `&lt;` -> `<`."""

    def readable(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "!":  # <!here>, <!subteam^S1|@team>, <!date^...|fallback>
            return label or "@" + target.split("^")[0]
        if sigil:
            return sigil + (label or target)
        return label or target

    return html.unescape(_MARKUP.sub(readable, text)) if "<" in text or "&" in text else text


def strip_mentions(text: str, bot_users: Iterable[str | None], *, leading: bool) -> str:
    """Remove mentions of the bot; when we do not know who we are, the leading mention."""
    known = [re.escape(u) for u in bot_users if u]
    if known:
        text = re.sub(rf"<@(?:{'|'.join(known)})(?:\|[^<>]*)?>", "", text)
    elif leading:
        text = re.sub(r"^\s*<@[^<>]*>", "", text)
    return text.strip()


def from_event(body: Mapping[str, Any], *, bot: BotIdentity, now: datetime) -> Inbound | None:
    """A DM to the bot (`message` in an `im`) or an `app_mention`; None for everything else."""
    event = _dict(body.get("event"))
    kind = event.get("type")
    if kind not in ("message", "app_mention"):
        return None
    subtype = event.get("subtype")
    by_person = isinstance(subtype, str | None) and subtype in _PERSON_SUBTYPES
    if event.get("bot_id") or not by_person:
        return None  # other bots, our own posts (no reply loops), edits and deletions
    if kind == "message" and event.get("channel_type") != "im":
        return None  # channel chatter; a mention arrives as its own app_mention
    user, ts = slack_id(event.get("user")), _str(event.get("ts"))
    channel = _str(event.get("channel"))
    team = slack_id(body.get("team_id")) or slack_id(event.get("team"))
    if user is None or team is None or user == bot.user_id:
        return None
    if channel is not None and slack_id(channel) is None:
        return None  # a string no conversation's id is
    if channel and ts:
        # A DM that mentions the bot arrives twice (message.im and app_mention, two event ids):
        # the message itself, channel and ts, is what must be handled once.
        event_id = f"message:{channel}:{ts}"
    elif _str(body.get("event_id")):
        event_id = f"event:{body['event_id']}"
    else:
        return None
    bots = [bot.user_id, *(_str(a.get("user_id")) for a in _authorizations(body))]
    raw = event.get("text")
    said = raw if isinstance(raw, str) else ""
    text = plain_text(strip_mentions(said, bots, leading=kind == "app_mention"))
    media_only = not text.strip() and bool(event.get("files"))
    if not text.strip() and not media_only:
        text = "HELP"  # a bare "@bot" asks what it can do
    profile = Profile(reply_to=channel if kind == "message" else user, media_only=media_only)
    return Inbound(Address(CHANNEL, f"{team}:{user}"), text, event_id, now, profile)


def _authorizations(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = body.get("authorizations")
    items = found if isinstance(found, list) else []
    return [_dict(a) for a in items if _dict(a).get("is_bot")]


def from_command(body: Mapping[str, Any], *, now: datetime) -> Inbound | None:
    """`/referrals count` reads as COUNT; anything else is passed on as typed."""
    user, team = slack_id(body.get("user_id")), slack_id(body.get("team_id"))
    trigger = _str(body.get("trigger_id"))
    if user is None or team is None or trigger is None:
        return None
    raw = body.get("text")
    text = plain_text(raw).strip() if isinstance(raw, str) else ""
    keyword = SUBCOMMANDS.get(text.lower(), text) if text else "HELP"
    # channel=<user id> posts in the app's DM
    profile = Profile(reply_to=user, name=_str(body.get("user_name")) or "")
    return Inbound(Address(CHANNEL, f"{team}:{user}"), keyword, f"command:{trigger}", now, profile)


def from_action(body: Mapping[str, Any], *, now: datetime) -> Inbound | None:
    """A click on one of our buttons, read as if the person typed its keyword."""
    person = _dict(body.get("user"))
    actions = body.get("actions")
    action = _dict(actions[0]) if isinstance(actions, list) and actions else {}
    user, action_ts = slack_id(person.get("id")), _str(action.get("action_ts"))
    team = slack_id(_dict(body.get("team")).get("id")) or slack_id(person.get("team_id"))
    value, action_id = action.get("value"), action.get("action_id")
    if user is None or team is None or action_ts is None:
        return None
    if not isinstance(action_id, str) or not ACTION_ID.match(action_id):
        return None  # not a button of ours
    if not isinstance(value, str) or value not in KEYWORDS:
        return None  # a value we never put on a button (injected JSON, a huge string)
    profile = Profile(reply_to=user, name=_str(person.get("name")) or "")
    # The same click replayed carries the same action_ts: the engine sees the same event id.
    event_id = f"action:{user}:{action_ts}"
    return Inbound(Address(CHANNEL, f"{team}:{user}"), value, event_id, now, profile)
