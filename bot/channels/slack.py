"""Slack: DMs, mentions, `/referrals` and button clicks in; DMs with buttons out.

One URL, `POST /slack/events`, takes the Events API, slash commands and interactivity. The
signature is checked on the raw bytes first (`slack_guard`), then Bolt's AsyncApp routes the
payload to a listener (`slack_listeners`) that hands an `Inbound` to the core and acks. Replies
come back as outbox rows, sent by `send()` through slack_sdk's AsyncWebClient: in the web
process and in a worker alike, with or without `start()`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.send_timeouts import SLACK_IN_FLIGHT, SendTimeouts, aiohttp_failure
from bot.channels.slack_guard import Verifier, parse
from bot.channels.slack_inbound import CHANNEL, BotIdentity
from bot.channels.slack_listeners import ACK_BUDGET, Handover, StaffHandlers, listen
from bot.channels.slack_network import NETWORK_ERRORS
from bot.channels.slack_outbound import blocks, escape, failure, upload_qr
from bot.channels.slack_people import SlackPeople
from bot.channels.switches import SLACK
from bot.core.channel import Inbox
from bot.core.clock import Clock, SystemClock
from bot.core.config import Settings
from bot.core.messages import Outbound

__all__ = ["CHANNEL", "REQUIRED", "Slack", "StaffHandlers", "from_settings"]

log = logging.getLogger(__name__)

REQUIRED = SLACK.required
PATH = "/slack/events"
DEFAULT_API = "https://slack.com/api/"
# Headers Bolt reads; the others (its own x-slack-bolt-lazy-* among them) stay out.
_PASSED_HEADERS = ("x-slack-retry-num", "x-slack-retry-reason", "x-slack-request-timestamp")


def _token_notice(record: logging.LogRecord) -> bool:
    return "`token` will be unused" not in record.getMessage()


def from_settings(settings: Settings, *, staff: Sequence[StaffHandlers] = ()) -> Slack | None:
    if not settings.slack_bot_token or not settings.slack_signing_secret:
        return None
    return Slack(
        token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret,
        base_url=settings.slack_api_base_url,
        staff=staff,
        timeout=SendTimeouts().total * settings.provider_timeout_scale,
    )


class Slack:
    """Holds a slack_sdk client and, once routed, a Bolt app; knows nothing of referrals."""

    name = CHANNEL
    max_in_flight = SLACK_IN_FLIGHT

    def __init__(
        self,
        *,
        token: str,
        signing_secret: str,
        base_url: str | None = None,
        clock: Clock | None = None,
        staff: Sequence[StaffHandlers] = (),
        ack_budget: float = ACK_BUDGET,
        timeout: float = SendTimeouts().total,
    ) -> None:
        self._token = token
        self._signing_secret = signing_secret
        self._base_url = base_url or DEFAULT_API
        self._clock = clock or SystemClock()
        self._staff = list(staff)
        self._ack_budget = ack_budget
        self._verifier = Verifier(signing_secret, self._clock)
        self._handovers: list[Handover] = []
        # No retry handlers: the SDK's default retries a request after a disconnect, which
        # may send a message twice; the dispatcher decides (send_timeouts.py).
        self.client = AsyncWebClient(
            # aiohttp takes fractions of a second; slack_sdk only annotates an int.
            token=token,
            base_url=self._base_url,
            timeout=timeout,  # type: ignore[arg-type]
            retry_handlers=[],
        )
        self.identity = BotIdentity()
        self.people = SlackPeople(self.client, self._clock)

    def reach(self) -> frozenset[str] | None:
        return None

    def add_staff(self, register: StaffHandlers) -> None:
        """More listeners ahead of the customers' ones (the staff desk's, wired by app.py)."""
        self._staff.append(register)

    def routes(self, inbox: Inbox) -> Sequence[BaseRoute]:
        bolt = self._bolt()
        handover = Handover(inbox, budget=self._ack_budget)
        self._handovers.append(handover)
        for register in self._staff:
            register(bolt)
        listen(bolt, handover=handover, bot=self.identity, clock=self._clock, people=self.people)

        async def events(request: Request) -> Response:
            body = await request.body()
            text = self._verifier.verify(body, request.headers)
            if text is None:
                return JSONResponse({"error": "invalid request"}, status_code=401)
            payload = parse(text, request.headers.get("content-type", ""))
            if payload is None:
                return JSONResponse({"error": "not a Slack payload"}, status_code=400)
            headers: dict[str, str | Sequence[str]] = {
                k: request.headers[k] for k in _PASSED_HEADERS if k in request.headers
            }
            headers["content-type"] = "application/json"
            try:
                bolt_request = AsyncBoltRequest(body=json.dumps(payload), headers=headers)
            except (AttributeError, KeyError, TypeError, ValueError):
                return JSONResponse({"error": "not a Slack payload"}, status_code=400)
            return to_starlette_response(await bolt.async_dispatch(bolt_request))

        return [Route(PATH, events, methods=["POST"], name="slack-events")]

    def _bolt(self) -> AsyncApp:
        identity, token = self.identity, self._token

        # Bolt's default single-workspace authorization calls auth.test on the first request,
        # and a failure there answers Slack with an error: here inbound never needs the network.
        async def authorize(
            enterprise_id: str | None, team_id: str | None, user_id: str | None
        ) -> AuthorizeResult:
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                bot_token=token,
                bot_user_id=identity.user_id,
                bot_id=identity.bot_id,
            )

        # Bolt reads SLACK_BOT_TOKEN from the environment by itself and, given our client,
        # warns that "`token` will be unused": authorize supplies the token, so that is noise.
        bolt_log = logging.getLogger("slack_bolt.AsyncApp")
        bolt_log.addFilter(_token_notice)
        try:
            return AsyncApp(
                name="referral-bot",
                client=AsyncWebClient(base_url=self._base_url),  # no token: authorize has it
                signing_secret=self._signing_secret,
                authorize=authorize,
                # Verified already, on the raw bytes and the injected clock (see slack_guard).
                request_verification_enabled=False,
                # Listeners run before the response, so the message is recorded before the ack.
                process_before_response=True,
                attaching_conversation_kwargs_enabled=False,
                attaching_function_token_enabled=False,
            )
        finally:
            bolt_log.removeFilter(_token_notice)

    async def start(self) -> None:
        """Learn who the bot is, to ignore its own messages and strip mentions of it."""
        try:
            found = await asyncio.wait_for(self.client.auth_test(), timeout=10)
        except (SlackApiError, *NETWORK_ERRORS) as exc:
            log.warning("slack auth.test failed (%s); bot posts are still ignored by bot_id", exc)
            return
        self.identity.user_id = _text(found.get("user_id"))
        self.identity.bot_id = _text(found.get("bot_id"))
        self.identity.team_id = _text(found.get("team_id"))

    async def stop(self) -> None:
        for handover in self._handovers:
            await handover.drain()

    async def send(self, message: Outbound) -> str | None:
        # Posting to a user id (`team:user` -> user) lands in the app's DM with that person.
        channel = message.reply_to or message.to.id.rpartition(":")[2]
        text = message.text if message.markup else escape(message.text)
        try:
            if message.edit_of:
                # A staff card changing in place (a decision, a sent draft): chat.update keeps
                # blocks left out, so they are always given, buttons gone when there are none.
                response = await self.client.chat_update(
                    channel=channel, ts=message.edit_of, text=text, blocks=blocks(message)
                )
                return _text(response.get("ts")) or message.edit_of
            if message.ephemeral:
                response = await self.client.chat_postEphemeral(
                    channel=channel,
                    user=message.to.id.rpartition(":")[2],
                    text=text,
                    blocks=blocks(message) or None,
                )
                return _text(response.get("message_ts"))
            response = await self.client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks(message) or None,
                thread_ts=message.thread,
            )
        except SlackApiError as exc:
            raise failure(exc, self._clock.now()) from exc
        except NETWORK_ERRORS as exc:
            raise aiohttp_failure(exc) from exc
        for share in (b for b in message.buttons if b.is_share):
            await upload_qr(self.client, _text(response.get("channel")) or channel, share)
        return _text(response.get("ts"))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
