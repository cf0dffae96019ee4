"""The Rewards page as the owner works it: a void says why in the page's own words, and a
row's Mark issued carries the payout reference typed beside it, with no script."""

from __future__ import annotations

import re

import httpx

from bot.app import ReferralBot
from tests.http.dashboard_kit import OWNER, csrf_of, queue_as


async def statuses(bot: ReferralBot) -> dict[int, str]:
    async with bot.store.transaction() as tx:
        return {r.id: r.status for r in await tx.rewards.listing()}


async def test_a_void_without_a_reason_is_asked_why_in_the_pages_words(
    browser: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    reward, page = await queue_as(browser, admin_bot, OWNER)
    data = {"action": "void", "reward": [reward], "reason": "  ", "csrf": csrf_of(page)}
    done = await browser.post("/admin/rewards", data=data, follow_redirects=True)
    assert done.text.count("Say why: the reason is what the customer is told.") == 1
    assert "--reason" not in done.text
    assert (await statuses(admin_bot))[reward] == "pending"


async def test_many_issued_without_a_reference_are_asked_for_it_once(
    browser: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    _, page = await queue_as(browser, admin_bot, OWNER)
    approved = [i for i, status in (await statuses(admin_bot)).items() if status == "approved"]
    assert len(approved) >= 2
    data = {"action": "issue", "reward": approved, "payout": "", "csrf": csrf_of(page)}
    done = await browser.post("/admin/rewards", data=data, follow_redirects=True)
    assert done.text.count("Give the payout reference (a transfer or voucher id).") == 1


async def test_a_rows_mark_issued_sends_the_reference_typed_in_that_row(
    browser: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    _, page = await queue_as(browser, admin_bot, OWNER)
    approved = [i for i, status in (await statuses(admin_bot)).items() if status == "approved"]
    reward = approved[0]
    row = re.search(rf'<tr id="reward-{reward}">.*?</tr>', page.text, re.DOTALL)
    assert row is not None
    # The row's field and button belong to a form of their own, outside the bulk form.
    assert f'<input name="payout" form="issue-{reward}"' in row.group(0)
    assert f'<button form="issue-{reward}" name="action" value="issue:{reward}"' in row.group(0)
    token = csrf_of(page)
    own_form = f'<form method="post" action="/admin/rewards" id="issue-{reward}">'
    assert f'{own_form}<input type="hidden" name="csrf" value="{token}"></form>' in page.text
    sent = {"csrf": token, "payout": "PAYPAL-7G21", "action": f"issue:{reward}"}
    done = await browser.post("/admin/rewards", data=sent, follow_redirects=True)
    assert f"Reward {reward} marked issued" in done.text
    assert "payout PAYPAL-7G21" in done.text
    left = await statuses(admin_bot)
    assert left[reward] == "issued"
    assert all(left[other] == "approved" for other in approved[1:])
    empty = {"csrf": token, "payout": " ", "action": f"issue:{approved[1]}"}
    refused = await browser.post("/admin/rewards", data=empty, follow_redirects=True)
    assert "Give the payout reference (a transfer or voucher id)." in refused.text


async def test_a_reward_number_no_row_can_have_is_asked_to_choose_again(
    browser: httpx.AsyncClient, admin_bot: ReferralBot
) -> None:
    reward, page = await queue_as(browser, admin_bot, OWNER)
    for typed in ("99999999999999999999", "²"):
        data = {"action": f"approve:{typed}", "csrf": csrf_of(page)}
        done = await browser.post("/admin/rewards", data=data, follow_redirects=True)
        assert done.status_code == 200
        assert "Choose one or more rewards and an action." in done.text
        data = {"action": "approve", "reward": [typed], "csrf": csrf_of(page)}
        done = await browser.post("/admin/rewards", data=data, follow_redirects=True)
        assert "Choose one or more rewards and an action." in done.text
    assert (await statuses(admin_bot))[reward] == "pending"
