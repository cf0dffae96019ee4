"""The Bot API over aiohttp: PTB's networking backend, and sendMessage read for its id alone.

Why aiohttp and not PTB's HTTPXRequest: 3,000 sendMessage calls at 100 in flight against the fake
Bot API on loopback cost 2.8 ms of CPU each through httpx and 0.26 ms through aiohttp (1.6 vs
0.12 ms at 24 in flight); most of the httpx cost is httpcore's pool scanning every connection and
every waiting request on each request and each answer. aiohttp is already how Twilio and Slack
send, and `BaseRequest` is PTB's documented seam for another HTTP library.

Why sendMessage and sendPhoto (`post_json`, `post_file`) skip `telegram.Bot`: `Bot.send_message`
builds a full `Message` from the answer (about 0.1 ms), and we keep only its `message_id`. PTB
has no public way to post a method it knows and keep the dict (`do_api_request` warns for such a
method; how `RequestData` is built is not PTB's public API), so we send the body the Bot API
takes (https://core.telegram.org/bots/api#making-requests) and read a refusal into PTB's own
error types, the way PTB's `BaseRequest` does, so that one mapping (telegram_delivery.py) reads
both.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import aiohttp
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, RequestData

from bot.channels.send_timeouts import SendTimeouts
from bot.core.retry_after import bounded

UNREAD_RETRY_AFTER = 1  # seconds, when flood control's number cannot be read

OPENING = 4  # connections being opened at once; more wait for their turn (see _Connector)
_JSON = {"Content-Type": "application/json", "User-Agent": BaseRequest.USER_AGENT}
_FORM = {"User-Agent": BaseRequest.USER_AGENT}


class _Connector(aiohttp.TCPConnector):
    """A pool that opens at most `opening` connections at a time.

    A burst into a cold pool would otherwise start a hundred handshakes at once. A provider
    whose accept queue holds only a few drops the rest of the handshakes' last packets; the
    client thinks it is connected, sends, and the kernel's retransmissions of those requests
    come back in step, overflowing the queue again: requests arrived 27 s late or timed out
    unanswered (uncertain) in the bench with a 4-connection backlog. Opened a few at a time,
    they wait their turn inside the connect timeout, where a failure is plainly transient.
    """

    def __init__(self, *, limit: int, opening: int) -> None:
        super().__init__(limit=limit)
        self._opening = asyncio.Semaphore(opening)

    async def _create_connection(self, *args: Any, **kwargs: Any) -> Any:
        # aiohttp's one step that opens a new connection (reused ones never come here).
        async with self._opening:
            return await super()._create_connection(*args, **kwargs)


class AiohttpRequest(BaseRequest):
    """One aiohttp session and its connection pool for one PTB request object."""

    def __init__(self, *, timeouts: SendTimeouts, pool: int) -> None:
        self._timeouts = timeouts
        self._pool = pool
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts.read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # No `limit_per_host`: every call goes to the one Bot API host. Waiting for a free
            # connection counts in `connect` (aiohttp's pool wait), never fails on its own.
            connector = _Connector(limit=self._pool, opening=OPENING)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """What PTB's `Bot` methods call: form fields, or multipart when a file is uploaded."""
        body: aiohttp.FormData | None = None
        if request_data is not None:
            body = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mime) in request_data.multipart_data.items():
                body.add_field(name, content, filename=filename, content_type=mime)
        # getUpdates passes its read timeout (PTB's plus the long poll); other calls pass none.
        read = read_timeout if isinstance(read_timeout, int | float) else self._timeouts.read
        return await self._exchange(method, url, body, _FORM, read)

    async def post_json(
        self, url: str, payload: Mapping[str, object], *, read_extra: float = 0.0
    ) -> Any:
        """POST a JSON body: the answer's `result`, or PTB's error for a refusal. `read_extra`:
        seconds the answer may take on top of the read timeout (a long poll's)."""
        status, answer = await self._exchange(
            "POST", url, json.dumps(payload), _JSON, self._timeouts.read + read_extra
        )
        if HTTPStatus.OK <= status <= 299:
            return self.parse_json_payload(answer)["result"]
        raise refusal(status, answer)

    async def post_file(
        self, url: str, fields: Mapping[str, str], name: str, file: tuple[str, bytes, str]
    ) -> Any:
        """POST a file upload (multipart, as the Bot API takes one): the answer's `result`, or
        PTB's error for a refusal. `file` is (filename, content, MIME type)."""
        body = aiohttp.FormData(dict(fields))
        filename, content, mime = file
        body.add_field(name, content, filename=filename, content_type=mime)
        status, answer = await self._exchange("POST", url, body, _FORM, self._timeouts.read)
        if HTTPStatus.OK <= status <= 299:
            return self.parse_json_payload(answer)["result"]
        raise refusal(status, answer)

    async def _exchange(
        self, method: str, url: str, body: object, headers: Mapping[str, str], read: float
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest used before initialize()")
        t = self._timeouts
        # Inside the dispatcher's 60 s send lease: connect (pool wait included), then the answer.
        timeout = aiohttp.ClientTimeout(
            total=t.connect + read, connect=t.connect, sock_connect=t.connect, sock_read=read
        )
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # connect, read and total timeouts alike
            raise TimedOut from exc  # "Timed out"; the cause says which phase
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def refusal(status: int, payload: bytes) -> TelegramError:
    """A non-2xx answer as PTB's `BaseRequest` reads one (request/_baserequest.py): the
    description as the message; `parameters` for a migrated chat or flood control first."""
    try:
        answer = json.loads(payload.decode("utf-8", "replace"))
    except ValueError:
        answer = None
    answer = answer if isinstance(answer, dict) else {}
    try:
        message = answer.get("description") or f"{HTTPStatus(status).phrase} ({status})"
    except ValueError:
        message = f"Unknown HTTPError ({status})"
    parameters = answer.get("parameters")
    if isinstance(parameters, dict):
        if migrate_to := parameters.get("migrate_to_chat_id"):
            return ChatMigrated(migrate_to)
        if "retry_after" in parameters:  # flood control, even where the number is garbled
            wait = bounded(parameters["retry_after"])
            return RetryAfter(UNREAD_RETRY_AFTER if wait is None else math.ceil(wait))
    if status == HTTPStatus.FORBIDDEN:
        return Forbidden(message)
    if status in (HTTPStatus.NOT_FOUND, HTTPStatus.UNAUTHORIZED):
        return InvalidToken(message)
    if status == HTTPStatus.BAD_REQUEST:
        return BadRequest(message)
    if status == HTTPStatus.CONFLICT:
        return Conflict(message)
    return NetworkError(message)
