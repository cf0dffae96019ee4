"""The chat page and its two assets, in the visitor's language; everything served from here
(no CDN, no fonts from elsewhere), so the page works on a network with no way out."""

from __future__ import annotations

from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.codes import normalize_code
from bot.core.i18n import Catalogs
from bot.core.language import LANGUAGE_NAMES, LANGUAGES

if TYPE_CHECKING:
    from jinja2 import Environment

_ASSETS = {"chat.js": "text/javascript", "chat.css": "text/css"}


class ChatPage:
    def __init__(self, *, pages: Catalogs, title: str) -> None:
        self._pages = pages
        self._title = title
        folder = resources.files("bot.channels") / "web_assets"
        self._assets = {name: (folder / name).read_bytes() for name in _ASSETS}

    def render(self, lang: str, *, join: str | None) -> HTMLResponse:
        code = normalize_code(join[:64]) if join else None
        text = self._pages.text
        keys = ("placeholder", "send", "connecting", "connected", "offline", "too_long",
                "too_fast", "failed", "copied")
        page = self._env.get_template("chat.html").render(
            lang=lang,
            title=self._title,
            heading=text(lang, "chat.title"),
            intro=text(lang, "chat.intro"),
            join_text=f"JOIN {code}" if code else "",
            join_hint=text(lang, "chat.join_hint", code=code) if code else "",
            words={key: text(lang, f"chat.{key}") for key in keys},
            languages=[(tag, LANGUAGE_NAMES[tag]) for tag in LANGUAGES],
            join=code or "",
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @cached_property
    def _env(self) -> Environment:
        # jinja2 is imported when the chat page is first asked for, not by every serve
        from jinja2 import Environment, PackageLoader, select_autoescape

        return Environment(
            loader=PackageLoader("bot.channels", "web_assets"),
            autoescape=select_autoescape(["html"]),
        )

    def asset_routes(self) -> list[BaseRoute]:
        async def asset(request: Request) -> Response:
            name = request.path_params["name"]
            if name not in self._assets:
                return Response("not found", status_code=404)
            return Response(
                self._assets[name],
                media_type=_ASSETS[name],
                headers={"Cache-Control": "public, max-age=3600"},
            )

        return [Route("/chat/assets/{name}", asset, methods=["GET"])]
