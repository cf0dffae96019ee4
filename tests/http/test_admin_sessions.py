"""A dashboard session ends on the server: at sign-out, at a new password, when its user is
removed. A copy of the cookie (another tab, a stolen one) is worth nothing after that."""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import ASGIApp
from typer.testing import CliRunner

from bot.app import ReferralBot
from bot.cli.commands import app as cli
from tests.http.dashboard_kit import OWNER, VIEWER, csrf_of, on_network, sign_in


def copy_of(browser: httpx.AsyncClient, app: ASGIApp) -> httpx.AsyncClient:
    """Another browser holding the same session cookie."""
    other = on_network(app, "127.0.0.1")
    cookie = browser.cookies.get("rb_admin", path="/admin")
    assert cookie is not None
    other.cookies.set("rb_admin", cookie, domain="ref.example", path="/admin")
    return other


async def admin(bot: ReferralBot, *args: str, password: str = "") -> tuple[int, str]:
    """`referral-bot admin ...` on the bot's database, as the owner types it on the server
    (in a thread: the command runs an event loop of its own)."""
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["admin", *args],
        input=f"{password}\n",
        env={"DATABASE_URL": bot.store.db.url, "PUBLIC_BASE_URL": "https://ref.example"},
    )
    return result.exit_code, result.output


async def test_after_sign_out_a_copy_of_the_cookie_opens_nothing(
    owner: httpx.AsyncClient, admin_app: ASGIApp
) -> None:
    page = await owner.get("/admin/rewards")
    token = csrf_of(page)
    async with copy_of(owner, admin_app) as copied:
        assert (await copied.get("/admin/rewards")).status_code == 200
        out = await owner.post("/admin/sign-out", data={"csrf": token})
        assert out.status_code == 303 and out.headers["location"] == "/admin/sign-in"
        looked = await copied.get("/admin/rewards")
        assert looked.status_code == 303
        assert looked.headers["location"] == "/admin/sign-in?next=/admin/rewards"
        acted = await copied.post("/admin/rewards", data={"csrf": token, "action": "approve:1"})
        assert acted.status_code == 401 and acted.text == "Sign in first."


async def test_signing_out_in_one_browser_leaves_the_others_signed_in(
    owner: httpx.AsyncClient, admin_app: ASGIApp
) -> None:
    async with on_network(admin_app, "127.0.0.1") as phone:
        await sign_in(phone, *OWNER)
        page = await owner.get("/admin")
        await owner.post("/admin/sign-out", data={"csrf": csrf_of(page)})
        assert (await owner.get("/admin")).status_code == 303
        assert (await phone.get("/admin")).status_code == 200


async def test_a_new_password_signs_the_user_out_everywhere(
    browser: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    await sign_in(browser, *VIEWER)
    assert (await browser.get("/admin/referrers")).status_code == 200
    said = await admin(
        admin_bot, "add", VIEWER[0], "--role", "viewer", password="a new password 999"
    )
    assert said == (
        0,
        "updated viewer@shop.example (viewer); signed out everywhere, sign in again at "
        "https://ref.example/admin\n",
    )
    assert (await browser.get("/admin/referrers")).status_code == 303
    assert (await sign_in(browser, *VIEWER)).status_code == 401
    assert (await sign_in(browser, VIEWER[0], "a new password 999")).status_code == 303


async def test_a_removed_user_is_signed_out_at_once_and_cannot_sign_in(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    assert (await owner.get("/admin")).status_code == 200
    assert await admin(admin_bot, "remove", "Owner@Shop.example") == (
        0,
        "removed owner@shop.example; signed out everywhere\n",
    )
    assert (await owner.get("/admin")).status_code == 303
    refused = await sign_in(owner, *OWNER)
    assert refused.status_code == 401 and "That e-mail or password is wrong." in refused.text
    code, said = await admin(admin_bot, "remove", OWNER[0])
    assert code == 2
    assert "there is no dashboard user owner@shop.example; see referral-bot admin list" in said


async def test_admin_list_shows_who_may_sign_in_and_when_they_last_did(
    owner: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    assert await admin(admin_bot, "list") == (
        0,
        "email\trole\tlast sign-in\n"
        "owner@shop.example\towner\t2026-11-23 15:00\n"
        "viewer@shop.example\tviewer\tnever\n",
    )
