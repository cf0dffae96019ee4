"""`GET /r/{code}`: the referral link. Records the click and sends the visitor to the landing page.

Link unfurlers (Slack, Telegram, Facebook, Twitter, WhatsApp previews) and HEAD requests are not
people: they are redirected without a click. An unknown or malformed code gets a friendly 404
in the visitor's language, never a 500.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.accept_language import visitor_language
from bot.core.clock import Clock
from bot.core.codes import normalize_code
from bot.core.i18n import Catalogs
from bot.core.language import LANGUAGE_NAMES, LANGUAGES
from bot.core.links import LINK_PATH
from bot.core.program import Program
from bot.core.store import Store
from bot.http.ratelimit import RateLimit
from bot.http.templating import Pages

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


def link_routes(
    *,
    store: Store,
    catalogs: Catalogs,
    pages: Catalogs,
    program: Program,
    clock: Clock,
    limit: RateLimit,
    public_base_url: str,
) -> list[BaseRoute]:
    templates = Pages()

    def notice(lang: str, status: int, title: str, message: str) -> Response:
        """A line for the visitor in the landing page's card, with its languages."""
        return templates.render(
            "notice.html",
            status=status,
            lang=lang,
            title=title,
            message=message,
            languages=[(tag, LANGUAGE_NAMES[tag]) for tag in LANGUAGES],
            query="",
        )

    def not_found(lang: str) -> Response:
        """The page /welcome shows for an unknown code."""
        title = pages.text(lang, "landing.not_found_title")
        return notice(lang, 404, title, catalogs.text(lang, "landing.not_found"))

    def too_many(lang: str, network: str) -> Response:
        """A flood from one network: the same card, saying when the limit lets it in again (and
        Retry-After, whole seconds rounded up: a browser retrying then is let in)."""
        seconds = limit.retry_after(network)
        title = pages.text(lang, "links.flood_title")
        response = notice(lang, 429, title, pages.text(lang, "links.flood", count=seconds))
        response.headers["Retry-After"] = str(seconds)
        return response

    async def follow(request: Request) -> Response:
        network = request.client.host if request.client else "unknown"
        lang = visitor_language(
            request.query_params.get("lang"), request.headers.get("accept-language")
        )
        if not limit.allow(network):
            return too_many(lang, network)
        code = normalize_code(request.path_params["code"][:64])
        if code is None:
            return not_found(lang)
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
                return not_found(lang)
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
