"""The stories of #11 in a real browser: a friend joins in Korean through the web chat and the
referrer's chat shows the thank-you; the owner signs in, checks the funnel against the
database, approves a held reward and sees the customer's message queued; a viewer cannot
approve; a forged form is refused. Each page is saved as a screenshot in the test's folder."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from bot.core.messages import Address
from bot.services.reports import Period, funnel
from tests.browser.conftest import Live
from tests.http.dashboard_kit import OWNER, VIEWER, code_of, say

TIMEOUT = 15_000  # ms; a generous ceiling for a shared machine, never a wait in itself


async def chat(page: Page, text: str) -> None:
    await page.fill("#text", text)
    await page.click("#composer button[type=submit]")


async def test_a_friend_joins_in_korean_and_the_referrer_is_thanked(
    live: Live, browser: Browser
) -> None:
    referrer = await (await browser.new_context(locale="en-US")).new_page()
    await referrer.goto(f"{live.base}/")
    await expect(referrer.locator("#status")).to_have_text("Connected", timeout=TIMEOUT)
    await chat(referrer, "LINK")
    link_reply = referrer.locator("li.bot p").filter(has_text="/r/")
    await expect(link_reply).to_be_visible(timeout=TIMEOUT)
    link = re.search(r"http://127\.0\.0\.1:\d+/r/[0-9A-Z]{8}", await link_reply.inner_text())
    assert link, await link_reply.inner_text()
    await referrer.screenshot(path=live.shot("chat-referrer-link"), full_page=True)

    friend = await (await browser.new_context(locale="ko-KR")).new_page()
    await friend.goto(link.group(0))
    assert "/welcome?ref=" in friend.url
    await expect(friend.locator("h1")).to_have_text("친구가 초대했어요")
    await expect(friend.locator(".offer")).to_have_text("받는 혜택: US$20.00")
    await expect(friend.locator(".qr svg")).to_be_visible()
    await friend.screenshot(path=live.shot("landing-ko"), full_page=True)

    await friend.click("text=브라우저에서 바로 채팅하기")
    code = link.group(0).rsplit("/", 1)[1]
    await expect(friend.locator("#text")).to_have_value(f"JOIN {code}")
    await expect(friend.locator("#status")).to_have_text("연결됨", timeout=TIMEOUT)
    await friend.get_by_role("button", name="보내기").click()
    welcome = live.bot.catalogs.text(
        "ko", "join.welcome_reward_anonymous", reward="US$20.00"
    )
    await expect(friend.locator("li.bot p").filter(has_text=welcome)).to_be_visible(
        timeout=TIMEOUT
    )
    await friend.screenshot(path=live.shot("chat-friend-ko"), full_page=True)

    async with live.bot.store.transaction() as tx:
        thanks = [r for r in await tx.outbox.recent() if r.kind == "thanks"]
    assert len(thanks) == 1
    await expect(referrer.locator("li.bot p").filter(has_text=thanks[0].text)).to_be_visible(
        timeout=TIMEOUT
    )
    await referrer.screenshot(path=live.shot("chat-referrer-thanked"), full_page=True)


async def held_reward(live: Live) -> int:
    """Alice's second friend within the hour is held for review (the test program's rule)."""
    alice = Address("web", "a" * 32)
    await say(live.bot, alice, "LINK", "e1", name="Alice Kim")
    code = await code_of(live.bot, alice)
    await say(live.bot, Address("web", "b" * 32), f"JOIN {code}", "e2", name="Bo Park")
    await say(live.bot, Address("web", "c" * 32), f"JOIN {code}", "e3", name="Cy Lee")
    async with live.bot.store.transaction() as tx:
        held = [r.id for r in await tx.rewards.listing(status="pending") if r.held]
    assert held
    return held[0]


async def sign_in(browser: Browser, live: Live, email: str, password: str) -> Page:
    page = await (await browser.new_context(viewport={"width": 1100, "height": 900})).new_page()
    await page.goto(f"{live.base}/admin")
    await expect(page.locator("h1")).to_have_text("Sign in")
    await page.screenshot(path=live.shot("admin-sign-in"))
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.click("button:has-text('Sign in')")
    await expect(page.locator("h1")).to_have_text("Overview")
    return page


async def test_the_owner_checks_the_funnel_and_approves_a_held_reward(
    live: Live, browser: Browser
) -> None:
    reward = await held_reward(live)
    page = await sign_in(browser, live, *OWNER)
    async with live.bot.store.transaction() as tx:
        signups = int(await tx.conn.fetchval("SELECT COUNT(*) FROM referrals"))
        qualified = int(await tx.conn.fetchval(
            "SELECT COUNT(*) FROM referrals WHERE status IN ('qualified', 'rewarded')"
        ))
        numbers = await funnel(tx, Period())
    assert (signups, qualified) == (2, 1)
    assert numbers.step("signups").count == signups
    await expect(page.locator("[data-step=signups] .big")).to_have_text(str(signups))
    await expect(page.locator("[data-step=qualified] .big")).to_have_text(str(qualified))
    await expect(page.locator("[data-step=links] .big")).to_have_text("1")
    await expect(page.locator(".chart svg rect").first).to_be_attached()
    await page.screenshot(path=live.shot("admin-overview"), full_page=True)

    for path, name, heading in [
        ("/admin/referrers", "admin-referrers", "Referrers"),
        ("/admin/referrals", "admin-referrals", "Referrals"),
        ("/admin/program", "admin-program", "Program: Give $20, get $20"),
    ]:
        await page.goto(f"{live.base}{path}")
        await expect(page.locator("h1")).to_have_text(heading)
        await page.screenshot(path=live.shot(name), full_page=True)
    await page.goto(f"{live.base}/admin/referrers")
    await page.click("text=Alice Kim")
    await expect(page.locator("h1")).to_have_text("Alice Kim")
    await page.screenshot(path=live.shot("admin-person"), full_page=True)

    await page.goto(f"{live.base}/admin/rewards")
    row = page.locator(f"#reward-{reward}")
    await expect(row).to_contain_text("held for review")
    await page.screenshot(path=live.shot("admin-rewards-queue"), full_page=True)
    await row.locator("button:has-text('Approve')").click()
    await expect(page.locator(".notice")).to_contain_text(f"Reward {reward} approved")
    await expect(page.locator(f"#reward-{reward}")).to_contain_text("admin:owner@shop.example")
    await page.screenshot(path=live.shot("admin-rewards-approved"), full_page=True)

    await page.goto(f"{live.base}/admin/messages")
    await expect(page.locator("body")).to_contain_text("Your reward of $20.00 is approved.")
    await page.screenshot(path=live.shot("admin-messages"), full_page=True)


async def test_a_viewer_cannot_approve(live: Live, browser: Browser) -> None:
    reward = await held_reward(live)
    page = await sign_in(browser, live, *VIEWER)
    await page.goto(f"{live.base}/admin/rewards")
    await expect(page.locator(f"#reward-{reward}")).to_contain_text("held for review")
    await expect(page.locator("button:has-text('Approve')")).to_have_count(0)
    await page.screenshot(path=live.shot("admin-rewards-viewer"), full_page=True)
    token = await page.locator("input[name=csrf]").first.get_attribute("value")
    refused = await page.request.post(
        f"{live.base}/admin/rewards",
        form={"action": "approve", "reward": str(reward), "csrf": token or ""},
    )
    assert refused.status == 403
    assert "Viewers can look but not change anything" in await refused.text()
    async with live.bot.store.transaction() as tx:
        still = await tx.rewards.get(reward)
    assert still is not None and still.status == "pending"


async def test_a_forged_form_post_is_refused(live: Live, browser: Browser) -> None:
    reward = await held_reward(live)
    page = await sign_in(browser, live, *OWNER)
    # Signed in, but the form carries no token: refused.
    forged = await page.request.post(
        f"{live.base}/admin/rewards", form={"action": "approve", "reward": str(reward)}
    )
    assert forged.status == 403
    # A page on another site (here: no origin at all) submits a form to the dashboard: the
    # SameSite session cookie stays home, so the dashboard sees a stranger.
    await page.goto("about:blank")
    await page.set_content(
        f'<form method="post" action="{live.base}/admin/rewards">'
        f'<input name="action" value="approve"><input name="reward" value="{reward}">'
        '<button id="go">win a prize</button></form>'
    )
    async with page.expect_response(f"{live.base}/admin/rewards") as answer:
        await page.click("#go")
    assert (await answer.value).status == 401
    await expect(page.locator("body")).to_contain_text("Sign in first.")
    await page.screenshot(path=live.shot("admin-forged-post-refused"))
    async with live.bot.store.transaction() as tx:
        still = await tx.rewards.get(reward)
    assert still is not None and still.status == "pending"


async def test_the_owner_marks_one_reward_issued_from_its_row(
    live: Live, browser: Browser
) -> None:
    await held_reward(live)
    async with live.bot.store.transaction() as tx:
        approved = [r.id for r in await tx.rewards.listing(status="approved")]
        pending = [r.id for r in await tx.rewards.listing(status="pending")]
    assert approved and pending
    page = await sign_in(browser, live, *OWNER)
    await page.goto(f"{live.base}/admin/rewards")
    row = page.locator(f"#reward-{approved[0]}")
    await row.get_by_role("button", name="Mark issued").click()  # no reference yet: the
    await expect(page.locator(".notice")).to_have_count(0)  # browser asks for one, sends nothing
    await row.get_by_placeholder("payout reference").fill("PAYPAL-7G21")
    await row.get_by_role("button", name="Mark issued").click()
    await expect(page.locator(".notice")).to_contain_text(f"Reward {approved[0]} marked issued")
    await expect(page.locator(f"#reward-{approved[0]}")).to_contain_text("payout PAYPAL-7G21")
    await page.screenshot(path=live.shot("admin-rewards-row-issued"), full_page=True)
    # Enter in the reason field decides nothing: no row's Approve is the form's default button.
    await page.locator(f"#reward-{pending[0]} input[type=checkbox]").check()
    await page.fill("input[name=reason]", "duplicate account")
    await page.press("input[name=reason]", "Enter")
    await page.locator("button[name=action][value=void]").click()
    await expect(page.locator(".notice")).to_contain_text(f"Reward {pending[0]} voided")
    async with live.bot.store.transaction() as tx:
        statuses = {r.id: r.status for r in await tx.rewards.listing()}
    assert statuses[approved[0]] == "issued" and statuses[pending[0]] == "voided"
    assert all(statuses[other] == "pending" for other in pending[1:])


async def test_the_owner_checks_no_file_then_signs_out_for_good(
    live: Live, browser: Browser
) -> None:
    page = await sign_in(browser, live, *OWNER)
    await page.goto(f"{live.base}/admin/program")
    await page.click("form[enctype] button")
    await expect(page.locator("main .problem")).to_have_text(
        "No file was chosen: choose a program file (.toml) to check."
    )
    await expect(page.locator("main")).not_to_contain_text("is valid")
    kept = await page.context.storage_state()  # the session cookie, copied before signing out
    await page.click("text=Sign out")
    await expect(page.locator("h1")).to_have_text("Sign in")
    assert await page.title() == "Sign in · referral-bot"
    copied = await (await browser.new_context(storage_state=kept)).new_page()
    await copied.goto(f"{live.base}/admin/rewards")
    await expect(copied.locator("h1")).to_have_text("Sign in")
