"""Slack markup for staff text: escaped values, mentions, and moments each reader sees in
their own time zone. https://docs.slack.dev/messaging/formatting-message-text"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

MEDIA = {
    "sms": "SMS",
    "telegram": "Telegram",
    "slack": "Slack",
    "console": "the console",
    "api": "the business's API",
}
_USER = re.compile(r"\A[UW][A-Z0-9]{2,20}\Z")
_CHANNEL = re.compile(r"\A[CGD][A-Z0-9]{2,20}\Z")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user: str) -> str:
    return f"<@{user}>" if _USER.match(user) else escape(user)


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if _CHANNEL.match(channel_id) else escape(channel_id)


def moment(at: datetime) -> str:
    """Shown in each reader's own zone by Slack; the UTC fallback where it cannot."""
    fallback = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def local(at: datetime, zone: ZoneInfo) -> str:
    """A moment where someone else is: "08:00 Tue 24 Nov (Asia/Seoul)"."""
    return at.astimezone(zone).strftime("%H:%M %a %d %b") + f" ({zone.key})"


def quote(text: str) -> str:
    return "\n".join("> " + escape(line) for line in (text.splitlines() or [""]))


def actor(name: str) -> str:
    """Who did something to a reward, as the ledger names them."""
    if name.startswith("slack:"):
        return mention(name.removeprefix("slack:"))
    return {"engine": "the program's rules", "hold": "the end of the hold", "cli": "the CLI"}.get(
        name, escape(name)
    )


def medium(channel: str) -> str:
    """A channel's name as people say it."""
    return MEDIA.get(channel, escape(channel))
