"""Slack for the business's people: `/referrals clients|nudge`, the buttons on staff cards and
replies in a draft's thread, translated for the staff desk and acked.

Registered ahead of the customer listeners (in Bolt the first match wins), so these
subcommands, `staff_*` buttons and draft threads never reach the customer engine. `app.py`
hands the staff desk in (`listener(desk)`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.channels.slack_inbound import COMMAND, plain_text, slack_id
from bot.channels.slack_listeners import ACK_BUDGET, StaffHandlers
from bot.staff.requests import ACTIONS, SUBCOMMANDS, Click, Command, ThreadReply

log = logging.getLogger(__name__)

ACTION_ID = re.compile(r"\Astaff_[a-z_]{1,40}\Z")  # Bolt matches with search()
_TARGET = re.compile(r"\A[0-9]{1,12}\Z")
_SLOW = "Still working on that; if nothing shows up in a minute, please try again."


class StaffRequests(Protocol):
    async def command(self, request: Command) -> str: ...

    async def click(self, request: Click) -> None: ...

    async def reply(self, request: ThreadReply) -> None: ...

    async def is_draft_thread(self, thread: str) -> bool: ...


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def subcommand(body: Mapping[str, Any]) -> tuple[str, str]:
    """`/referrals nudge Acme Corp` -> ("nudge", "Acme Corp")."""
    raw = body.get("text")
    words = plain_text(raw).split(maxsplit=1) if isinstance(raw, str) else []
    if not words:
        return "", ""
    return words[0].lower(), words[1].strip() if len(words) > 1 else ""


def command_of(body: Mapping[str, Any]) -> Command | None:
    user, trigger = slack_id(body.get("user_id")), _str(body.get("trigger_id"))
    name, args = subcommand(body)
    if user is None or trigger is None or name not in SUBCOMMANDS:
        return None
    return Command(user=user, name=name, args=args[:200], event_id=f"command:{trigger}")


def click_of(body: Mapping[str, Any]) -> Click | None:
    """A staff button, with the message it is on; None for anything we did not put there."""
    user = slack_id(_dict(body.get("user")).get("id"))
    actions = body.get("actions")
    action = _dict(actions[0]) if isinstance(actions, list) and actions else {}
    action_id, value = action.get("action_id"), action.get("value")
    action_ts = action.get("action_ts")
    container = _dict(body.get("container"))
    where = slack_id(container.get("channel_id")) or slack_id(_dict(body.get("channel")).get("id"))
    message = _str(container.get("message_ts")) or _str(_dict(body.get("message")).get("ts"))
    if user is None or where is None or message is None or not isinstance(action_ts, str):
        return None
    if action_id not in ACTIONS or not isinstance(value, str) or not _TARGET.match(value):
        return None  # not our button, or a value we never put on one
    # The same click replayed carries the same action_ts: the desk sees the same event id.
    return Click(
        user=user,
        action=str(action_id),
        target=int(value),
        where=where,
        message=message,
        event_id=f"action:{user}:{action_ts}",
    )


def reply_of(body: Mapping[str, Any]) -> ThreadReply | None:
    """A person's reply in a thread of the app's DM; None for anything else."""
    event = _dict(body.get("event"))
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    if event.get("subtype") is not None or event.get("bot_id"):
        return None  # edits, deletions, bots (ourselves included)
    user, where = slack_id(event.get("user")), slack_id(event.get("channel"))
    ts, thread = _str(event.get("ts")), _str(event.get("thread_ts"))
    if user is None or where is None or ts is None or thread is None or thread == ts:
        return None
    raw = event.get("text")
    text = plain_text(raw) if isinstance(raw, str) else ""
    # The same id the customer path gives a DM: one message is handled once, by either.
    return ThreadReply(user, text, where, thread, event_id=f"message:{where}:{ts}")


def _log_failure(task: asyncio.Future[str]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("staff command failed after the ack", exc_info=task.exception())


def listener(desk: StaffRequests) -> StaffHandlers:
    """The staff listeners for `Slack.add_staff`, handing every request to `desk`."""
    return lambda bolt: listen(bolt, desk)


def listen(bolt: AsyncApp, desk: StaffRequests) -> None:
    running: set[asyncio.Future[str]] = set()

    async def answer(job: Awaitable[str]) -> str:
        """The desk's answer if it comes within Slack's 3 s; else a holding answer, and the
        work carries on (a draft still arrives in the DM)."""
        task = asyncio.ensure_future(job)
        running.add(task)
        task.add_done_callback(running.discard)
        await asyncio.wait({task}, timeout=ACK_BUDGET)
        if task.done():
            return task.result()  # a failure answers 500: Slack tells them it did not work
        task.add_done_callback(_log_failure)
        return _SLOW

    async def is_staff_command(body: dict[str, Any]) -> bool:
        return subcommand(body)[0] in SUBCOMMANDS

    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        request = command_of(body)
        text = await answer(desk.command(request)) if request is not None else ""
        await ack(text=text) if text else await ack()

    async def on_click(ack: AsyncAck, body: dict[str, Any]) -> None:
        request = click_of(body)
        if request is not None:
            await desk.click(request)
        await ack()  # the answer, if any, comes through the outbox

    async def is_draft_reply(body: dict[str, Any]) -> bool:
        request = reply_of(body)
        return request is not None and await desk.is_draft_thread(request.thread)

    async def on_reply(ack: AsyncAck, body: dict[str, Any]) -> None:
        request = reply_of(body)
        if request is not None:
            await desk.reply(request)
        await ack()

    bolt.command(COMMAND, matchers=[is_staff_command])(on_command)
    bolt.action(ACTION_ID)(on_click)
    bolt.event("message", matchers=[is_draft_reply])(on_reply)
