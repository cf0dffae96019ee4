"""`/admin/sign-in` and `/admin/sign-out`: e-mail and password, wrong ones rate-limited
(`sign_in_limit.py`), CSRF-checked; signing out ends the session on the server."""

from __future__ import annotations

import re
import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.clock import Clock
from bot.core.store import Store
from bot.http.admin.passwords import rehashed, verify_password
from bot.http.admin.session import Session, Sessions
from bot.http.admin.sign_in_limit import SignInLimit
from bot.http.templating import Pages

_NEXT = re.compile(r"/admin(/[A-Za-z0-9/_-]*)?")


def safe_next(value: object) -> str:
    """Only a page of this dashboard: never another site (an open redirect)."""
    return value if isinstance(value, str) and _NEXT.fullmatch(value) else "/admin"


def sign_in_routes(
    *,
    sessions: Sessions,
    store: Store,
    pages: Pages,
    clock: Clock,
    limit: SignInLimit,
) -> list[BaseRoute]:
    def form(request: Request, *, error: str = "", email: str = "", status: int = 200) -> Response:
        session = sessions.read(request)
        fresh = session is None
        if session is None:
            session = Session(None, secrets.token_urlsafe(16))
        response = pages.render(
            "admin/sign_in.html",
            status=status,
            title="Sign in",
            error=error,
            email=email,
            next=safe_next(request.query_params.get("next")),
            csrf=sessions.token(session),
        )
        if fresh:
            sessions.attach(response, session)
        return response

    async def show(request: Request) -> Response:
        return form(request)

    async def submit(request: Request) -> Response:
        session = sessions.read(request)
        data = await request.form()
        email = str(data.get("email", "")).strip().lower()[:320]
        password = str(data.get("password", ""))
        if session is None or not sessions.token_ok(session, data.get("csrf")):
            return form(request, error="The form expired. Please try again.", status=403)
        network = request.client.host if request.client else "unknown"
        if not await limit.admit(email, network):
            return form(
                request,
                error="Too many attempts. Wait a minute, then try again.",
                email=email,
                status=429,
            )
        async with store.transaction() as tx:
            user = await tx.staff_users.by_email(email)
            stored = None if user is None else user.password_hash
            if not verify_password(stored, password) or user is None:
                return form(
                    request, error="That e-mail or password is wrong.", email=email, status=401
                )
            await limit.passed(tx, email, network)
            now = clock.now()
            await tx.staff_users.signed_in(
                user.id, at=now, password_hash=rehashed(user.password_hash, password)
            )
            if session.user_id is not None:  # signing in again, maybe as someone else
                await tx.staff_users.sessions.end(session.nonce)
            started = Session(user.id, await tx.staff_users.sessions.start(user.id, at=now))
        response = RedirectResponse(safe_next(data.get("next")), status_code=303)
        sessions.attach(response, started)
        return response

    async def sign_out(request: Request) -> Response:
        session = sessions.read(request)
        data = await request.form()
        if session is None or not sessions.token_ok(session, data.get("csrf")):
            return RedirectResponse("/admin", status_code=303)
        response = RedirectResponse("/admin/sign-in", status_code=303)
        await sessions.end(response, session)
        return response

    return [
        Route("/admin/sign-in", show, methods=["GET"]),
        Route("/admin/sign-in", submit, methods=["POST"]),
        Route("/admin/sign-out", sign_out, methods=["POST"]),
    ]
