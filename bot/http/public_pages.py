"""The web pages of one server: the landing page, the dashboard and their assets, wired from
the bot (`create_app` adds them next to the channels' and the API's routes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.signing import Signer
from bot.http.admin import Desk, Sessions, admin_routes
from bot.http.landing import Claims, Landing, landing_routes
from bot.http.ratelimit import RateLimit
from bot.http.templating import Pages, asset_mount

if TYPE_CHECKING:
    from bot.app import Bot


def page_routes(bot: Bot) -> list[BaseRoute]:
    pages = Pages()
    links = bot.context.links
    sms = bot.settings.twilio_from_number if "sms" in bot.channels else None
    landing = Landing(
        store=bot.store,
        program=bot.program,
        catalogs=bot.catalogs,
        pages=bot.pages,
        templates=pages,
        claims=Claims(
            sms_number=sms,
            telegram=(lambda code: links.deep("telegram", code)) if "telegram" in bot.channels
            else None,
            web_chat="web" in bot.channels,
        ),
        link=links.web,
        clock=bot.clock,
    )
    desk = Desk(
        store=bot.store,
        program=bot.program,
        context=bot.context,
        clock=bot.clock,
        kick=bot.dispatcher.kick,
        work=bot.work,
        pages=pages,
        link=links.web,
        notes=Signer(bot.secret, "admin-notice", bot.clock),
    )
    sessions = Sessions(
        secret=bot.secret,
        clock=bot.clock,
        store=bot.store,
        secure=bot.settings.public_base_url.startswith("https://"),
    )
    # Five tries at once, then one every 30 s, per network and per e-mail: guessing is slow.
    sign_in = RateLimit(clock=bot.clock, rate=1 / 30, burst=5)
    async def home(request: Request) -> Response:
        """A newcomer's first look: the bot in the browser (or the dashboard without it)."""
        return RedirectResponse("/chat" if "web" in bot.channels else "/admin", status_code=302)

    return [
        Route("/", home, methods=["GET"]),
        *landing_routes(landing),
        *admin_routes(desk, sessions, allow_sign_in=sign_in.allow),
        asset_mount(),
    ]
