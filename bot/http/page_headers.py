"""Headers every answer carries that browsers act on: no content sniffing anywhere, and the
dashboard never shown inside another site's frame nor running any script.

A framed dashboard could be dressed up to make a signed-in owner click Approve or Void without
knowing (clickjacking); `frame-ancestors 'none'` (and X-Frame-Options for older browsers)
refuses that. The dashboard's pages are plain HTML and forms, so `script-src 'none'` costs
nothing and makes an injected <script> or onclick inert should escaping ever miss one; its
forms post only to itself. The customer pages (`/chat`, `/welcome`, `/r/CODE`) stay
frameable: a business may embed the chat in its own site.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN = "/admin"
_EVERYWHERE = ((b"x-content-type-options", b"nosniff"),)
_ADMIN = (
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"frame-ancestors 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; "
        b"form-action 'self'",
    ),
    (b"referrer-policy", b"same-origin"),
)


class PageHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        admin = path == ADMIN or path.startswith(ADMIN + "/")
        extra = _EVERYWHERE + _ADMIN if admin else _EVERYWHERE

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                added = [(n, v) for n, v in extra if n not in names]  # a route's own wins
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, with_headers)
