"""`GET /r/{code}`: the referral link. Records the click and sends the visitor to the landing page.

Link unfurlers (Slack, Telegram, Facebook, Twitter, WhatsApp previews) and HEAD requests are not
people: they are redirected without a click. An unknown or malformed code gets a friendly 404
in the visitor's language, never a 500.
"""

from __future__ import annotations

import html
import re
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.clock import Clock
from bot.core.codes import normalize_code
from bot.core.i18n import Catalogs
from bot.core.links import LINK_PATH
from bot.core.program import Program
from bot.core.store import Store
from bot.http.languages import from_accept_language
from bot.http.ratelimit import RateLimit

VISITOR_COOKIE = "rb_vid"
_UNFURLERS = re.compile(
    r"Slackbot|Slack-ImgProxy|TelegramBot|facebookexternalhit|Facebot|Twitterbot|WhatsApp|"
    r"Discordbot|LinkedInBot|SkypeUriPreview|Applebot|Googlebot|bingbot|Embedly|redditbot|"
    r"vkShare|Pinterest|Iframely|KakaoTalk-Scrap|Line/|Viber",
    re.IGNORECASE,
)


def is_unfurler(user_agent: str) -> bool:
    return bool(_UNFURLERS.search(user_agent))


def landing_url(program: Program, code: str, public_base_url: str) -> str:
    """The program's own landing page, or the built-in one on this server."""
    page = program.landing_url or f"{public_base_url.rstrip('/')}/welcome"
    parts = urlsplit(page)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(k, v) for k, v in query if k != program.landing_param]
    query.append((program.landing_param, code))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _not_found(catalogs: Catalogs, lang: str) -> Response:
    text = html.escape(catalogs.text(lang, "landing.not_found"))
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text}</title></head>"
        f'<body style="font-family:sans-serif;max-width:32em;margin:4em auto;padding:0 1em">'
        f"<p>{text}</p></body></html>"
    )
    return HTMLResponse(page, status_code=404)


def link_routes(
    *,
    store: Store,
    catalogs: Catalogs,
    program: Program,
    clock: Clock,
    limit: RateLimit,
    public_base_url: str,
) -> list[BaseRoute]:
    async def follow(request: Request) -> Response:
        network = request.client.host if request.client else "unknown"
        if not limit.allow(network):
            return PlainTextResponse(
                "Too many requests", status_code=429, headers={"Retry-After": "60"}
            )
        lang = from_accept_language(request.headers.get("accept-language"))
        code = normalize_code(request.path_params["code"][:64])
        if code is None:
            return _not_found(catalogs, lang)
        user_agent = request.headers.get("user-agent", "")
        # A HEAD (a link checker, a crawler) or a preview fetch is not a person clicking.
        person = request.method == "GET" and not is_unfurler(user_agent)
        visitor = request.cookies.get(VISITOR_COOKIE, "")
        fresh_visitor = not re.fullmatch(r"[0-9a-f]{32}", visitor)
        if fresh_visitor:
            visitor = secrets.token_hex(16)
        async with store.transaction() as tx:
            referrer = await tx.participants.by_code(code)
            if referrer is None:
                return _not_found(catalogs, lang)
            if person:
                await tx.clicks.record(
                    code=code,
                    referrer_id=referrer.id,
                    visitor=visitor,
                    network=network,
                    user_agent=user_agent,
                    at=clock.now(),
                )
        response = RedirectResponse(landing_url(program, code, public_base_url), status_code=302)
        if fresh_visitor and person:
            response.set_cookie(
                VISITOR_COOKIE, visitor, max_age=365 * 86_400, httponly=True, samesite="lax"
            )
        return response

    return [Route(LINK_PATH, follow, methods=["GET", "HEAD"])]
