"""Slack's request signature, checked on the raw bytes before anything parses them.

Bolt verifies too, but only after its Starlette adapter has decoded the body as UTF-8 and parsed
it, so garbage from anyone answers 500; and its verifier reads the wall clock, which tests cannot
move. Here the official `SignatureVerifier` runs first, on the injected clock; only a verified,
well-formed payload reaches Bolt, whose own verification is then switched off (it would redo
the same HMAC).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import Clock as SdkClock
from slack_sdk.signature import SignatureVerifier

from bot.core.clock import Clock

# https://docs.slack.dev/authentication/verifying-requests-from-slack
_TIMESTAMP = re.compile(r"[0-9]{1,15}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class _Seconds(SdkClock):
    """The injected clock, as the seconds `SignatureVerifier` compares timestamps with."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now().timestamp()


class Verifier:
    def __init__(self, signing_secret: str, clock: Clock) -> None:
        self._verifier = SignatureVerifier(signing_secret, clock=_Seconds(clock))

    def verify(self, body: bytes, headers: Mapping[str, str]) -> str | None:
        """The body as text when Slack signed it within five minutes either way, else None."""
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        # SignatureVerifier raises instead of answering False on a non-numeric timestamp (int()),
        # a non-ASCII signature (hmac.compare_digest) and a body that is not UTF-8 (decode).
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return None
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return text if self._verifier.is_valid(text, timestamp, signature) else None


def parse(text: str, content_type: str) -> dict[str, Any] | None:
    """The payload of a verified body, or None when it is not something Slack sends.

    Events arrive as JSON, slash commands as a form, interactivity as a form whose `payload`
    field is JSON. (Bolt's own parser drops a whole slash command whose text merely contains the
    word "payload", so the payload is parsed here and Bolt is handed canonical JSON.)
    """
    try:
        if text.startswith("{") or content_type.startswith("application/json"):
            payload: object = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True))
            payload = json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict) or not _well_formed(payload):
        return None
    return payload


def _well_formed(payload: dict[str, Any]) -> bool:
    """The shapes Bolt's matchers index into without checking, checked before they do."""
    if "command" in payload:
        return all(isinstance(payload.get(k), str) for k in ("command", "user_id", "team_id"))
    if "ssl_check" in payload:
        return True
    kind = payload.get("type")
    if not isinstance(kind, str):
        return False
    if "event" in payload:
        event = payload["event"]
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return False
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            return False
        return all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
    return True
