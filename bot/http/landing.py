"""`GET /welcome?ref=CODE`: the built-in landing page a friend sees when the program file names
no landing page of its own. In the visitor's language: who invited them (first name only),
what they get, what to do, how to join on every channel this server runs, and a QR code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.core.accept_language import visitor_language
from bot.core.clock import Clock
from bot.core.codes import normalize_code
from bot.core.i18n import Catalogs
from bot.core.language import LANGUAGE_NAMES, LANGUAGES
from bot.core.program import Program, Side
from bot.core.reward_text import describe
from bot.core.store import Store
from bot.http.qr import qr_svg
from bot.http.templating import Pages


@dataclass(frozen=True, slots=True, kw_only=True)
class Claims:
    """Where a friend can join: the SMS number, Telegram's deep link, the web chat."""

    sms_number: str | None = None
    telegram: Callable[[str], str | None] | None = None
    web_chat: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Landing:
    store: Store
    program: Program
    catalogs: Catalogs  # the bot's messages (rewards in words, the unknown-link text)
    pages: Catalogs  # the page's own texts
    templates: Pages
    claims: Claims
    link: Callable[[str], str]  # code -> the public referral link
    clock: Clock

    def offers(self, side: Side, lang: str) -> list[str]:
        today = self.program.day_of(self.clock.now())
        found = []
        for rule in self.program.rules_for(side):
            in_force = rule.amount_on(today)
            if in_force is not None:
                found.append(
                    describe(
                        self.catalogs,
                        lang,
                        unit=rule.unit,
                        measure=rule.measure,
                        label=rule.label,
                        amount=in_force[1],
                    )
                )
        return found

    def ways(self, code: str, lang: str) -> list[tuple[str, str, str]]:
        """(kind, label, href) for each way to join that this server really offers."""
        text = self.pages.text
        found = []
        if self.claims.sms_number:
            number = self.claims.sms_number
            body = quote(f"JOIN {code}")
            label = text(lang, "landing.sms", code=code, number=number)
            found.append(("sms", label, f"sms:{number}?&body={body}"))
        deep = self.claims.telegram(code) if self.claims.telegram else None
        if deep:
            found.append(("telegram", text(lang, "landing.telegram"), deep))
        if self.claims.web_chat:
            found.append(("web", text(lang, "landing.web"), f"/chat?join={code}&lang={lang}"))
        return found


def first_name(display_name: str) -> str:
    parts = display_name.split()
    return parts[0][:40] if parts else ""


def landing_routes(landing: Landing) -> list[BaseRoute]:
    async def welcome(request: Request) -> Response:
        lang = visitor_language(
            request.query_params.get("lang"), request.headers.get("accept-language")
        )
        languages = [(tag, LANGUAGE_NAMES[tag]) for tag in LANGUAGES]
        raw = request.query_params.get(landing.program.landing_param, "")[:64]
        code = normalize_code(raw)
        referrer = None
        if code is not None:
            async with landing.store.transaction() as tx:
                referrer = await tx.participants.by_code(code)
        if code is None or referrer is None:
            return landing.templates.render(
                "notice.html",
                status=404,
                lang=lang,
                title=landing.pages.text(lang, "landing.not_found_title"),
                message=landing.catalogs.text(lang, "landing.not_found"),
                languages=languages,
                query="",
            )
        text = landing.pages.text
        name = first_name(referrer.display_name)
        headline = (
            text(lang, "landing.title", referrer=name)
            if name
            else text(lang, "landing.title_anonymous")
        )
        yours = landing.offers("friend", lang)
        theirs = landing.offers("referrer", lang)
        fmt = landing.catalogs.format_list
        step = (
            "landing.do_purchase"
            if landing.program.qualifying_event == "purchase"
            else ("landing.do_signup")
        )
        link = landing.link(code)
        return landing.templates.render(
            "landing.html",
            lang=lang,
            program=landing.program.name,
            headline=headline,
            you_get=text(lang, "landing.you_get", reward=fmt(lang, yours)) if yours else "",
            they_get=(
                text(lang, "landing.they_get", referrer=name, reward=fmt(lang, theirs))
                if theirs and name
                else ""
            ),
            what_to_do=text(lang, step, code=code),
            claim=text(lang, "landing.claim"),
            ways=landing.ways(code, lang),
            code_line=text(lang, "landing.code", code=code),
            qr=qr_svg(link),
            qr_caption=text(lang, "landing.qr"),
            link=link,
            languages=languages,
            language_label=text(lang, "landing.language"),
            query=f"{landing.program.landing_param}={code}&",
        )

    return [Route("/welcome", welcome, methods=["GET", "HEAD"])]
