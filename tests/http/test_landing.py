"""The built-in landing page a friend sees: their language, who invited them, the offer, every
way to join this server offers, a QR code; and a kind page for a link that does not exist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.app import ReferralBot, build
from bot.core.clock import FakeClock
from bot.core.config import Settings
from bot.core.messages import Address
from bot.core.store import Store
from bot.web import create_app
from tests.fakes import CollectingChannel
from tests.flows.rewards_kit import EXAMPLES
from tests.http.dashboard_kit import code_of, program_file, say

BASE = "https://ref.example"
ALICE = Address("sms", "+14155550100")


@pytest.fixture
async def browser(store: Store, clock: FakeClock, tmp_path: Path) -> AsyncIterator[
    tuple[httpx.AsyncClient, ReferralBot]
]:
    settings = Settings(
        database_url=store.db.url, public_base_url=BASE, referral_program=program_file(tmp_path),
        twilio_from_number="+14155550199",
    )
    bot = await build(settings, channels=[CollectingChannel("sms")], clock=clock, store=store,
                      web_chat=True)
    transport = httpx.ASGITransport(app=create_app(bot, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client, bot


async def test_a_korean_friend_reads_the_invite_in_korean(
    browser: tuple[httpx.AsyncClient, ReferralBot],
) -> None:
    client, bot = browser
    await say(bot, ALICE, "LINK", "e1", name="Alice Kim")
    code = await code_of(bot, ALICE)
    hop = await client.get(f"/r/{code}", headers={"accept-language": "ko-KR,ko;q=0.9"})
    assert hop.headers["location"] == f"{BASE}/welcome?ref={code}"
    page = await client.get(hop.headers["location"], headers={"accept-language": "ko-KR,ko;q=0.9"})
    assert page.status_code == 200 and '<html lang="ko">' in page.text
    assert "Alice 님이 초대했어요" in page.text and "Kim" not in page.text  # first name only
    assert "받는 혜택: US$20.00" in page.text
    assert "Alice 님도 감사 선물로 US$20.00 받아요." in page.text  # no 을(를) to guess
    assert f"아래 방법 중 편한 곳에서 {code} 코드로 가입하세요." in page.text
    assert f'href="sms:+14155550199?&amp;body=JOIN%20{code}"' in page.text
    assert f"+14155550199 번호로 JOIN {code} 문자 보내기" in page.text
    assert f'href="/chat?join={code}&amp;lang=ko"' in page.text
    assert "<svg" in page.text and f"{BASE}/r/{code}" in page.text  # the QR code and its link
    english = await client.get(f"/welcome?ref={code}&lang=en")
    assert "Alice invited you" in english.text and "You get $20.00." in english.text
    assert "Alice gets $20.00 as thanks." in english.text


async def test_an_unknown_code_gets_a_kind_page_in_the_visitors_language(
    browser: tuple[httpx.AsyncClient, ReferralBot],
) -> None:
    client, bot = browser
    page = await client.get("/welcome?ref=ZZZZ9999", headers={"accept-language": "zh-TW"})
    assert page.status_code == 404
    assert bot.catalogs.text("zh-Hant", "landing.not_found") in page.text
    assert "找不到連結" in page.text
    garbage = await client.get("/welcome?ref=%3Cscript%3E")
    assert garbage.status_code == 404 and "<script>" not in garbage.text


async def test_a_head_request_is_not_a_click(
    browser: tuple[httpx.AsyncClient, ReferralBot],
) -> None:
    client, bot = browser
    await say(bot, ALICE, "LINK", "e1", name="Alice Kim")
    code = await code_of(bot, ALICE)
    head = await client.head(f"/r/{code}")
    assert head.status_code == 302 and "set-cookie" not in head.headers
    async with bot.store.transaction() as tx:
        referrer = await tx.participants.by_code(code)
        assert referrer is not None
        assert await tx.clicks.count_for(referrer.id) == 0
    await client.get(f"/r/{code}")
    async with bot.store.transaction() as tx:
        assert await tx.clicks.count_for(referrer.id) == 1


async def test_the_home_page_sends_a_newcomer_to_the_chat(
    browser: tuple[httpx.AsyncClient, ReferralBot],
) -> None:
    client, _ = browser
    home = await client.get("/")
    assert home.status_code == 302 and home.headers["location"] == "/chat"


async def test_on_new_years_eve_in_california_the_page_offers_what_a_friend_joining_gets(
    store: Store, clock: FakeClock
) -> None:
    """The example's amounts step down on January 1st in Los Angeles, not at midnight UTC."""
    clock.set(datetime(2027, 1, 1, 3, 0, tzinfo=UTC))  # 7 p.m. on Dec 31 in Los Angeles
    settings = Settings(
        database_url=store.db.url,
        public_base_url=BASE,
        referral_program=str(EXAMPLES / "two_sided_cash.toml"),
    )
    bot = await build(settings, channels=[CollectingChannel("sms")], clock=clock, store=store)
    await say(bot, ALICE, "LINK", "e1", name="Alice")
    code = await code_of(bot, ALICE)
    transport = httpx.ASGITransport(app=create_app(bot, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        page = await client.get(f"/welcome?ref={code}&lang=en")
    assert "You get $20.00." in page.text and "Alice gets $20.00 as thanks." in page.text
