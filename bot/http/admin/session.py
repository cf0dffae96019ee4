"""Who is signed in to the dashboard, and proof that a form came from our own page.

The session is a signed cookie (HttpOnly, SameSite=Lax, Secure on https) holding the user id
and a random nonce, and a row in the database under that nonce: a cookie whose row is gone
(signed out, a new password, a removed user) is no session, however well it is signed. Every
form carries a CSRF token: the nonce signed with another salt, so a page elsewhere, which can
neither read our cookie nor our pages, cannot make one. Signing in makes a new nonce, so a
cookie planted before sign-in is worth nothing after it.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from bot.core.clock import Clock
from bot.core.signing import Signer
from bot.core.store import Store
from bot.core.store.staff_sessions import LIFETIME
from bot.core.store.staff_users import StaffUser

COOKIE = "rb_admin"
MAX_AGE = int(LIFETIME.total_seconds())  # a working day; then sign in again


@dataclass(frozen=True, slots=True)
class Session:
    user_id: int | None
    nonce: str


@dataclass(frozen=True, slots=True)
class Visit:
    """A signed-in request: who, and the CSRF token their forms must carry."""

    request: Request
    user: StaffUser
    csrf: str


class Sessions:
    def __init__(self, *, secret: str, clock: Clock, store: Store, secure: bool) -> None:
        self._cookie = Signer(secret, "admin-session", clock)
        self._csrf = Signer(secret, "admin-csrf", clock)
        self._store = store
        self.secure = secure

    def read(self, request: Request) -> Session | None:
        value = self._cookie.read(request.cookies.get(COOKIE), max_age=MAX_AGE)
        if not isinstance(value, dict) or not isinstance(value.get("n"), str):
            return None
        user = value.get("u")
        return Session(user if isinstance(user, int) else None, value["n"])

    def attach(self, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            self._cookie.sign({"u": session.user_id, "n": session.nonce}),
            max_age=MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=self.secure,
            path="/admin",
        )

    async def end(self, response: Response, session: Session) -> None:
        """Signed out here: the session's row goes, so a copy of the cookie is worth nothing."""
        async with self._store.transaction() as tx:
            await tx.staff_users.sessions.end(session.nonce)
        response.delete_cookie(COOKIE, path="/admin")

    def token(self, session: Session) -> str:
        return self._csrf.sign(session.nonce)

    def token_ok(self, session: Session, token: object) -> bool:
        nonce = self._csrf.read(token if isinstance(token, str) else None, max_age=MAX_AGE)
        return isinstance(nonce, str) and hmac.compare_digest(nonce, session.nonce)

    async def user(self, session: Session | None) -> StaffUser | None:
        if session is None or session.user_id is None:
            return None
        async with self._store.transaction() as tx:
            return await tx.staff_users.in_session(session.user_id, session.nonce)


Handler = Callable[[Visit], Awaitable[Response]]


def guarded(sessions: Sessions, handler: Handler, *, change: bool = False) -> Callable[
    [Request], Awaitable[Response]
]:
    """Signed in, or off to the sign-in page; a POST needs the form's CSRF token; a change
    (approve, retry, ...) needs an owner."""

    async def endpoint(request: Request) -> Response:
        session = sessions.read(request)
        user = await sessions.user(session)
        if session is None or user is None:
            if request.method != "GET":
                return PlainTextResponse("Sign in first.", status_code=401)
            return RedirectResponse(f"/admin/sign-in?next={request.url.path}", status_code=303)
        if request.method == "POST":
            form = await request.form()
            if not sessions.token_ok(session, form.get("csrf")):
                return PlainTextResponse(
                    "This form has expired or did not come from this dashboard. "
                    "Go back, reload the page and try again.",
                    status_code=403,
                )
        if change and not user.may_change:
            return PlainTextResponse(
                "Viewers can look but not change anything; ask an owner.", status_code=403
            )
        return await handler(Visit(request, user, sessions.token(session)))

    return endpoint
