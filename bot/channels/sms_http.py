"""The HTTP client under the Twilio SDK: its own AsyncTwilioHttpClient, made to fit a process
whose event loop starts after the channel is built, with a timeout that holds, and with the
Retry-After of a 429, which the SDK's exceptions drop."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from twilio.http.async_http_client import AsyncTwilioHttpClient

from bot.core.retry_after import retry_after

DEFAULT_RETRY_AFTER = 1.0  # seconds, when Twilio does not say


class RetryAfter(Exception):
    """A 429 from the API; the SDK's own exception drops the Retry-After header."""

    def __init__(self, retry_after: float, text: str) -> None:
        super().__init__(text)
        self.retry_after = retry_after


class SdkHttp:
    """The SDK's AsyncTwilioHttpClient, created on first use (its aiohttp session needs a running
    loop, and the worker never calls `start()`), with a timeout and Retry-After on 429."""

    is_async = True  # twilio.base.client_base.ClientBase.request_async checks this

    def __init__(
        self, *, timeout: float, wall: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._timeout = timeout
        self._wall = wall  # what a Retry-After date is counted from
        self._inner: AsyncTwilioHttpClient | None = None

    def open(self) -> None:
        if self._inner is None:
            self._inner = AsyncTwilioHttpClient()

    async def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the SDK passes it)
        allow_redirects: bool = False,
    ) -> Any:
        self.open()
        assert self._inner is not None
        headers = dict(headers or {})
        if auth is not None:
            # The SDK would build aiohttp.BasicAuth, deprecated in aiohttp 3.14 and gone in 4.
            pair = f"{auth[0]}:{auth[1]}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        # AsyncTwilioHttpClient ignores its constructor's timeout; the per-request one works.
        response = await self._inner.request(
            method,
            uri,
            params=params,
            data=data,
            headers=headers,
            auth=None,
            timeout=timeout or self._timeout,
            allow_redirects=allow_redirects,
        )
        if response.status_code == 429:
            wait = retry_after((response.headers or {}).get("Retry-After"), self._wall())
            raise RetryAfter(DEFAULT_RETRY_AFTER if wait is None else wait, response.text[:300])
        return response

    async def close(self) -> None:
        inner, self._inner = self._inner, None
        if inner is not None:
            await inner.close()
