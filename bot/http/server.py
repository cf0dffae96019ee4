"""uvicorn as `serve` runs it: the client address from trusted proxies only, deadlines for slow
clients, and an access log that never shows a query string.

- Proxies: uvicorn's ProxyHeadersMiddleware replaces the client address (`scope["client"]`)
  with X-Forwarded-For only when the connection comes from `FORWARDED_ALLOW_IPS`; from anyone
  else the header is ignored. The click record and every rate limit read `request.client`.
- Slow clients: bot/http/slow_clients.py.
- Access log: query strings can carry tokens and codes (`?token=...`, OAuth codes), so the
  line keeps the path only.
"""

from __future__ import annotations

import logging

import uvicorn
from starlette.types import ASGIApp

from bot.core.config import Settings
from bot.http.slow_clients import MAX_HEADER_BYTES, BodyDeadline, header_deadline

ACCESS_LOGGER = "uvicorn.access"
# uvicorn's access line: '%s - "%s %s HTTP/%s" %d' % (client, method, path?query, version, status)
_PATH_ARG = 2


class WithoutQueryStrings(logging.Filter):
    """Drop the `?...` part of the path in uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        path = args[_PATH_ARG] if isinstance(args, tuple) and len(args) > _PATH_ARG else None
        if isinstance(args, tuple) and isinstance(path, str) and "?" in path:
            bare = path.partition("?")[0]
            record.args = (*args[:_PATH_ARG], bare, *args[_PATH_ARG + 1 :])
        return True


def hide_query_strings() -> None:
    """Install the filter on uvicorn's access logger, once."""
    access = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, WithoutQueryStrings) for f in access.filters):
        access.addFilter(WithoutQueryStrings())


def server_config(app: ASGIApp, settings: Settings, **options: object) -> uvicorn.Config:
    """The uvicorn configuration of `serve`; `options` (host, port, ...) are uvicorn's own."""
    hide_query_strings()
    return uvicorn.Config(
        BodyDeadline(app, seconds=settings.http_body_timeout),
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        http=header_deadline(settings.http_header_timeout, max_bytes=MAX_HEADER_BYTES),
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,  # h11's own cap, when it is the parser
        **options,  # type: ignore[arg-type]
    )
