"""An `Outbound` as Slack blocks, and Slack's refusals as `DeliveryFailed`.

Text goes in mrkdwn sections, escaped as Slack asks (staff cards come already in Slack markup);
buttons go in one actions block, each carrying the keyword a person would type, so a click reads
exactly like typing it; a staff button carries its own action id instead. A share button
becomes a block with the link to copy, and a QR code image of it follows the message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_inbound import ACTION_PREFIX
from bot.core.channel import DeliveryFailed
from bot.core.messages import Button, Outbound, typed
from bot.core.qr import qr_png
from bot.core.retry_after import retry_after

_log = logging.getLogger(__name__)

# Block Kit limits: https://docs.slack.dev/reference/block-kit/blocks
SECTION_LIMIT = 3000
LABEL_LIMIT = 75
MAX_BUTTONS = 25
MAX_BLOCKS = 50

# chat.postMessage errors: https://docs.slack.dev/reference/methods/chat.postMessage#errors
NOT_FOUND = frozenset({"channel_not_found", "not_in_channel", "is_archived", "user_not_found"})
# chat.update and chat.postEphemeral: the message or the person is gone; trying again won't help.
# https://docs.slack.dev/reference/methods/chat.update#errors
GONE = frozenset(
    {"message_not_found", "cant_update_message", "edit_window_closed", "user_not_in_channel"}
)
AUTH = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "not_allowed_token_type",
    }
)
INVALID_ADDRESS = frozenset({"cannot_dm_bot"})


def escape(text: str) -> str:
    """The three characters Slack reads as markup.
    https://docs.slack.dev/messaging/formatting-message-text#escaping"""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sections(text: str, limit: int = SECTION_LIMIT, *, markup: bool = False) -> list[str]:
    """Escaped pieces of at most `limit` characters, cut at line ends where possible and never
    inside an entity such as `&amp;`. Text already in markup is cut the same way, not escaped."""
    quote = (lambda piece: piece) if markup else escape
    atoms: list[str] = []
    for line in text.splitlines(keepends=True):
        escaped = quote(line)
        atoms.extend([escaped] if len(escaped) <= limit else [quote(ch) for ch in line])
    pieces: list[str] = []
    current = ""
    for atom in atoms:
        if current and len(current) + len(atom) > limit:
            pieces.append(current)
            current = ""
        current += atom
    pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def blocks(message: Outbound) -> list[dict[str, Any]]:
    buttons = typed(message.buttons)
    shares = [b for b in message.buttons if b.is_share]
    room = MAX_BLOCKS - (1 if buttons else 0) - len(shares)
    out: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in sections(message.text, markup=message.markup)[:room]
    ]
    out.extend(copyable(share.label, share.value) for share in shares)
    if buttons:
        elements = [
            {
                "type": "button",
                "action_id": button.action or f"{ACTION_PREFIX}{i}",
                "value": button.value,
                "text": {"type": "plain_text", "text": _label(button.label or button.value)},
            }
            for i, button in enumerate(buttons[:MAX_BUTTONS])
        ]
        out.append({"type": "actions", "elements": elements})
    return out


def copyable(label: str, link: str) -> dict[str, Any]:
    """The link in a preformatted block: one click selects it, ready to paste to a friend.
    https://docs.slack.dev/reference/block-kit/blocks/rich-text-block"""
    return {
        "type": "rich_text",
        "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": label}]},
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": link}]},
        ],
    }


def _label(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def failure(error: SlackApiError, now: datetime) -> DeliveryFailed:
    """What the dispatcher should do about a refusal: retry later, or never."""
    response = error.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    data = getattr(response, "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    detail = f"HTTP {status}: {code or 'no error code'}"
    if status == 429 or code == "ratelimited":
        headers = getattr(response, "headers", None)
        return DeliveryFailed(
            "rate_limited", permanent=False, detail=detail, retry_after=_retry_after(headers, now)
        )
    if code in NOT_FOUND or code in GONE:
        return DeliveryFailed("not_found", permanent=True, detail=detail)
    if code in AUTH:  # the bot's token, not the message: the channel pauses until it works
        fix = "the app's scopes (reinstall it)" if code == "missing_scope" else "SLACK_BOT_TOKEN"
        return DeliveryFailed("auth", permanent=False, detail=f"{detail}; check {fix}")
    if code in INVALID_ADDRESS:
        return DeliveryFailed("invalid_address", permanent=True, detail=detail)
    # 5xx, fatal_error, request_timeout and codes we do not know: retried with backoff, and
    # the dispatcher gives up after its maximum number of attempts.
    return DeliveryFailed("transient", permanent=False, detail=detail)


def _retry_after(headers: object, now: datetime) -> float | None:
    """The SDK hands headers as a dict whose names keep the server's case, values as lists."""
    if not isinstance(headers, Mapping):
        return None
    for name, value in headers.items():
        if str(name).lower() == "retry-after":
            return retry_after(value, now)
    return None


async def upload_qr(client: AsyncWebClient, channel: str, share: Button) -> None:
    """The shared link as a QR code image in the same conversation (files upload v2).

    The message with the link is already posted, so a refused upload is logged, never retried:
    retrying the row would post the link twice. https://docs.slack.dev/messaging/working-with-files
    """
    try:
        await client.files_upload_v2(
            channel=channel,
            file=qr_png(share.value),
            filename="referral-link-qr.png",
            title=share.label,
            alt_txt=share.value,
        )
    except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
        _log.warning("slack: QR code upload failed: %r", exc)
