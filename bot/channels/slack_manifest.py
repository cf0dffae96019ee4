"""The Slack app manifest for this deployment: paste it at api.slack.com/apps > Create New App
> From a manifest, install the app, and copy the bot token and the signing secret.

Scopes are the least the Slack channel uses: DMs and mentions in, messages, ephemeral notes and
card updates out, the /referrals command. Events, the command and button clicks all go to the
one URL Bolt serves (`/slack/events`). Schema: https://api.slack.com/reference/manifests
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.channels.slack import PATH
from bot.channels.slack_inbound import COMMAND

BOT_SCOPES = (
    "app_mentions:read",  # app_mention events in channels the bot is in
    "chat:write",  # replies, DMs, review cards (chat.postMessage, chat.update, postEphemeral)
    "commands",  # /referrals
    "files:write",  # the link reply's QR code image (files upload v2)
    "im:history",  # message.im: what people write to the bot in its DM
    "im:read",
    "im:write",  # open the DM a thank-you goes to
    "users:read",  # users.info: the name, time zone and locale of whoever writes (slack_people)
)
BOT_EVENTS = ("app_mention", "message.im")


def manifest(*, public_base_url: str, name: str = "Referrals") -> dict[str, Any]:
    url = public_base_url.rstrip("/") + PATH
    return {
        "display_information": {
            "name": name[:35],
            "description": "Referral links, friends who joined, rewards, and client nudges.",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": False,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": _handle(name), "always_online": True},
            "slash_commands": [
                {
                    "command": COMMAND,
                    "url": url,
                    "description": "Your referral link; clients and nudges for account managers",
                    "usage_hint": "link | count | clients [search] | nudge <client>",
                    "should_escape": False,
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": {"request_url": url, "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(*, public_base_url: str, name: str = "Referrals") -> str:
    body = manifest(public_base_url=public_base_url, name=name)
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, default_flow_style=False)


def _handle(name: str) -> str:
    """A bot user's display name: lower-case letters, digits, `-`, `_` and `.` only."""
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-")[:80] or "referrals"
