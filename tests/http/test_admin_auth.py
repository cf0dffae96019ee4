"""Signing in to /admin: passwords, the session cookie, CSRF tokens, rate limits and roles."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from typer.testing import CliRunner

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.messages import Address, Outbound
from tests.http.dashboard_kit import OWNER, VIEWER, csrf_of, held_reward, queue_as, sign_in

BASE = "https://ref.example"


async def test_the_dashboard_asks_a_stranger_to_sign_in(browser: httpx.AsyncClient) -> None:
    response = await browser.get("/admin/rewards")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/sign-in?next=/admin/rewards"
    page = await browser.get("/admin/sign-in")
    assert "<title>Sign in · referral-bot</title>" in page.text
    assert "referral-bot admin add" in page.text


async def test_the_right_password_opens_a_session_in_a_safe_cookie(
    browser: httpx.AsyncClient,
) -> None:
    response = await sign_in(browser, *OWNER)
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    assert "path=/admin" in cookie
    overview = await browser.get("/admin")
    assert overview.status_code == 200
    assert "owner@shop.example (owner)" in overview.text and "Friends signed up" in overview.text


@pytest.mark.parametrize(
    ("email", "password"),
    [(OWNER[0], "wrong password!"), ("nobody@shop.example", OWNER[1]), (OWNER[0], "x" * 5000)],
)
async def test_a_wrong_email_or_password_is_refused_the_same_way(
    browser: httpx.AsyncClient, email: str, password: str
) -> None:
    response = await sign_in(browser, email, password)
    assert response.status_code == 401
    assert "That e-mail or password is wrong." in response.text
    assert (await browser.get("/admin")).status_code == 303


async def test_sign_in_attempts_are_rate_limited(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    for _ in range(5):
        assert (await sign_in(browser, OWNER[0], "guess guess guess")).status_code == 401
    blocked = await sign_in(browser, *OWNER)  # even the right password waits now
    assert blocked.status_code == 429 and "Too many attempts" in blocked.text
    clock.advance(timedelta(seconds=31))
    assert (await sign_in(browser, *OWNER)).status_code == 303


async def test_a_sign_in_form_without_its_token_is_refused(browser: httpx.AsyncClient) -> None:
    await browser.get("/admin/sign-in")
    data = {"email": OWNER[0], "password": OWNER[1], "csrf": "forged"}
    response = await browser.post("/admin/sign-in", data=data)
    assert response.status_code == 403 and "The form expired" in response.text


async def test_a_tampered_session_cookie_is_no_session(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, *OWNER)
    value = browser.cookies.get("rb_admin", path="/admin")
    assert value is not None
    browser.cookies.clear()
    browser.cookies.set("rb_admin", value[:-2] + "xx", domain="ref.example", path="/admin")
    assert (await browser.get("/admin")).status_code == 303


async def test_a_session_ends_after_twelve_hours(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await sign_in(browser, *OWNER)
    clock.advance(timedelta(hours=11, minutes=59))
    assert (await browser.get("/admin")).status_code == 200
    clock.advance(timedelta(minutes=2))
    assert (await browser.get("/admin")).status_code == 303


async def test_a_form_post_without_the_csrf_token_changes_nothing(
    browser: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    reward = await held_reward(admin_bot)
    await sign_in(browser, *OWNER)
    forged = await browser.post("/admin/rewards", data={"action": "approve", "reward": reward})
    assert forged.status_code == 403 and "did not come from this dashboard" in forged.text
    async with admin_bot.store.transaction() as tx:
        still = await tx.rewards.get(reward)
    assert still is not None and still.status == "pending"


async def test_a_viewer_sees_the_queue_but_cannot_approve(
    browser: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    reward, page = await queue_as(browser, admin_bot, VIEWER)
    assert "held for review" in page.text and ">Approve<" not in page.text
    assert "you can see the queue but not decide" in page.text
    data = {"action": "approve", "reward": reward, "csrf": csrf_of(page)}
    refused = await browser.post("/admin/rewards", data=data)
    assert refused.status_code == 403 and "Viewers can look but not change" in refused.text
    async with admin_bot.store.transaction() as tx:
        still = await tx.rewards.get(reward)
    assert still is not None and still.status == "pending"


async def test_an_owner_approves_and_the_customer_is_told(
    browser: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    reward, page = await queue_as(browser, admin_bot, OWNER)
    data = {"action": "approve", "reward": reward, "csrf": csrf_of(page)}
    done = await browser.post("/admin/rewards", data=data, follow_redirects=True)
    assert f"Reward {reward} approved" in done.text
    assert "admin:owner@shop.example" in done.text  # who decided
    async with admin_bot.store.transaction() as tx:
        approved = await tx.rewards.get(reward)
        assert approved is not None and approved.status == "approved"
        told = await tx.outbox.recent()
    assert any(row.dedupe_key == f"reward:{reward}:approved" for row in told)
    messages = await browser.get("/admin/messages")
    assert "Your reward of $20.00 is approved." in messages.text


def test_admin_add_reads_the_password_from_stdin_and_stores_only_an_argon2_hash(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from bot.cli import app
    from bot.core.store import open_store

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://referrals.shop.example/")
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0  # as `serve` would have
    result = runner.invoke(
        app,
        ["admin", "add", "Boss@Shop.example", "--role", "viewer"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "added boss@shop.example (viewer); sign in at https://referrals.shop.example/admin"
    )
    short = runner.invoke(app, ["admin", "add", "x@shop.example"], input="short\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output

    async def stored() -> str:
        store = await open_store(sqlite_url)
        async with store.transaction() as tx:
            user = await tx.staff_users.by_email("boss@shop.example")
        await store.close()
        assert user is not None and user.role == "viewer"
        return user.password_hash

    hashed = asyncio.run(stored())
    assert hashed.startswith("$argon2id$") and "a long enough secret" not in hashed


async def test_an_owner_sends_a_dead_message_again_from_the_messages_page(
    browser: httpx.AsyncClient, admin_bot: ReferralBot, clock: FakeClock
) -> None:
    now = clock.now()
    async with admin_bot.store.transaction() as tx:
        row_id = await tx.outbox.enqueue(
            Outbound(Address("web", "visitor-1"), "Thank you! Mina joined."),
            kind="thanks",
            due_at=now,
            at=now,
        )
        assert row_id is not None
        await tx.outbox.mark_dead(row_id, error="provider down")
    await sign_in(browser, *OWNER)
    page = await browser.get("/admin/messages")
    assert "provider down" in page.text
    data = {"row": str(row_id), "csrf": csrf_of(page)}
    done = await browser.post("/admin/messages/retry", data=data, follow_redirects=True)
    assert "1 message due again now." in done.text
    async with admin_bot.store.transaction() as tx:
        row = await tx.outbox.get(row_id)
        history = await tx.outbox.history(row_id)
    assert row is not None and row.status == "scheduled"
    assert [(event, detail) for _, event, detail in history] == [
        ("retried", "by admin:owner@shop.example (dead)")
    ]
    again = await browser.post("/admin/messages/retry", data=data, follow_redirects=True)
    assert "Nothing to retry: only dead or skipped rows." in again.text
    for typed in ("99999999999999999999", "²"):
        data = {"row": typed, "csrf": csrf_of(page)}
        past = await browser.post("/admin/messages/retry", data=data, follow_redirects=True)
        assert "Nothing to retry: only dead or skipped rows." in past.text


async def test_a_rows_own_approve_button_takes_that_reward_alone_without_any_script(
    browser: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    reward, page = await queue_as(browser, admin_bot, OWNER)
    assert f'value="approve:{reward}">Approve</button>' in page.text
    assert "onclick" not in page.text and "<script" not in page.text
    async with admin_bot.store.transaction() as tx:
        others = [r.id for r in await tx.rewards.listing(status="pending") if r.id != reward]
    assert others  # picked as well, and left alone by the row's button
    data = {"action": f"approve:{reward}", "reward": others, "csrf": csrf_of(page)}
    done = await browser.post("/admin/rewards", data=data, follow_redirects=True)
    assert f"Reward {reward} approved" in done.text
    async with admin_bot.store.transaction() as tx:
        statuses = {r.id: r.status for r in await tx.rewards.listing()}
    assert statuses[reward] == "approved"
    assert all(statuses[other] == "pending" for other in others)
    garbled = {"action": "approve:7x", "reward": others, "csrf": csrf_of(page)}
    refused = await browser.post("/admin/rewards", data=garbled, follow_redirects=True)
    assert "Choose one or more rewards and an action." in refused.text
