"""The web pages of one server: the landing page, the dashboard and their assets, wired from
the bot (`create_app` adds them next to the channels' and the API's routes)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.i18n import Catalogs
from bot.core.program import Program
from bot.core.signing import Signer
from bot.core.store import Store
from bot.http.admin import Desk, Sessions, SignInLimit, admin_routes
from bot.http.landing import Claims, Landing, landing_routes
from bot.http.templating import Pages, asset_mount
from bot.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """What the pages need from the composition root (`bot.web` passes it in)."""

    store: Store
    program: Program
    catalogs: Catalogs
    pages: Catalogs
    context: Context
    clock: Clock
    work: UnitOfWork
    kick: Callable[[], None]
    secret: str
    channels: Collection[str]
    sms_number: str | None
    public_base_url: str


def page_routes(site: Site) -> list[BaseRoute]:
    pages = Pages()
    links = site.context.links
    landing = Landing(
        store=site.store,
        program=site.program,
        catalogs=site.catalogs,
        pages=site.pages,
        templates=pages,
        claims=Claims(
            sms_number=site.sms_number if "sms" in site.channels else None,
            telegram=(lambda code: links.deep("telegram", code)) if "telegram" in site.channels
            else None,
            web_chat="web" in site.channels,
        ),
        link=links.web,
        clock=site.clock,
    )
    desk = Desk(
        store=site.store,
        program=site.program,
        context=site.context,
        clock=site.clock,
        kick=site.kick,
        work=site.work,
        pages=pages,
        link=links.web,
        notes=Signer(site.secret, "admin-notice", site.clock),
    )
    sessions = Sessions(
        secret=site.secret,
        clock=site.clock,
        store=site.store,
        secure=site.public_base_url.startswith("https://"),
    )

    async def home(request: Request) -> Response:
        """A newcomer's first look: the bot in the browser (or the dashboard without it)."""
        return RedirectResponse("/chat" if "web" in site.channels else "/admin", status_code=302)

    async def no_icon(request: Request) -> Response:
        """Browsers ask every site for a tab icon; "none" instead of a 404 in their console."""
        return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})

    return [
        Route("/", home, methods=["GET"]),
        Route("/favicon.ico", no_icon, methods=["GET"]),
        *landing_routes(landing),
        *admin_routes(
            desk, sessions, sign_in_limit=SignInLimit(store=site.store, clock=site.clock)
        ),
        asset_mount(),
    ]
