"""The web pages' templates and assets, shipped inside the package (no CDN, no external fonts)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

if TYPE_CHECKING:
    from jinja2 import Environment


class Pages:
    """Jinja2 with autoescaping on: whatever a name or a message holds is shown as text."""

    def render(self, name: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        page = self._env.get_template(name).render(**values)
        return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})

    @cached_property
    def _env(self) -> Environment:
        # jinja2 is imported at the first page shown: ~1.7 MB a process nobody browses never needs
        from jinja2 import Environment, PackageLoader, select_autoescape

        return Environment(
            loader=PackageLoader("bot.http", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )


def asset_mount() -> Mount:
    return Mount("/assets", StaticFiles(packages=[("bot.http", "static")]), name="assets")
