"""The web pages' templates and assets, shipped inside the package (no CDN, no external fonts)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles


class Pages:
    """Jinja2 with autoescaping on: whatever a name or a message holds is shown as text."""

    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("bot.http", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, name: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        page = self._env.get_template(name).render(**values)
        return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def asset_mount() -> Mount:
    return Mount("/assets", StaticFiles(packages=[("bot.http", "static")]), name="assets")
