"""Following a referral link: a click is counted once a day, previews are not people."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.messages import Address, Inbound


async def alice_code(bot: ReferralBot, clock: FakeClock) -> str:
    await bot.engine.handle(Inbound(Address("console", "alice"), "LINK", "e1", clock.now()))
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("console", "alice"))
    assert found is not None
    return found[0].code


async def clicks(bot: ReferralBot, code: str) -> int:
    async with bot.store.transaction() as tx:
        referrer = await tx.participants.by_code(code)
        assert referrer is not None
        return await tx.clicks.count_for(referrer.id)


async def test_a_friend_follows_the_link_to_the_landing_page(
    web: httpx.AsyncClient, web_bot: ReferralBot, clock: FakeClock
) -> None:
    code = await alice_code(web_bot, clock)
    response = await web.get(f"/r/{code.lower()}")
    assert response.status_code == 302
    # No landing page in the program: the built-in one on this server (PUBLIC_BASE_URL), #11.
    assert response.headers["location"] == f"https://ref.example/welcome?ref={code}"
    assert "rb_vid=" in response.headers["set-cookie"]
    assert await clicks(web_bot, code) == 1
    again = await web.get(f"/r/{code}")  # same browser (cookie kept), same day
    assert again.status_code == 302 and await clicks(web_bot, code) == 1


async def test_link_previews_are_not_clicks(
    web: httpx.AsyncClient, web_bot: ReferralBot, clock: FakeClock
) -> None:
    code = await alice_code(web_bot, clock)
    for agent in [
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "TelegramBot (like TwitterBot)",
        "facebookexternalhit/1.1",
        "Twitterbot/1.0",
        "WhatsApp/2.23.20.0",
    ]:
        response = await web.get(f"/r/{code}", headers={"user-agent": agent})
        assert response.status_code == 302
    assert await clicks(web_bot, code) == 0


async def test_an_unknown_code_gets_a_friendly_page_in_the_visitors_language(
    web: httpx.AsyncClient, web_bot: ReferralBot
) -> None:
    text = web_bot.catalogs.text
    for path, header, expected in [
        ("/r/ZZZZ9999", "ko-KR,ko;q=0.9,en;q=0.8", text("ko", "landing.not_found")),
        ("/r/not-a-code!!", "zh-TW", web_bot.catalogs.text("zh-Hant", "landing.not_found")),
        ("/r/%F0%9F%8E%89", "fr, en;q=0.5", web_bot.catalogs.text("en", "landing.not_found")),
        ("/r/" + "A" * 500, "", web_bot.catalogs.text("en", "landing.not_found")),
    ]:
        response = await web.get(path, headers={"accept-language": header})
        assert response.status_code == 404
        assert expected.replace("'", "&#39;") in response.text


async def test_an_unknown_code_s_page_is_the_landing_page_s_card_with_its_languages(
    web: httpx.AsyncClient, web_bot: ReferralBot
) -> None:
    """A friend who mistyped the link sees what /welcome shows for a wrong code, not a bare
    sentence, and can switch language there."""
    mistyped = await web.get("/r/ZZZZ9999", headers={"accept-language": "ko-KR"})
    welcome = await web.get("/welcome?ref=ZZZZ9999", headers={"accept-language": "ko-KR"})
    assert mistyped.status_code == welcome.status_code == 404
    assert mistyped.text == welcome.text
    assert "<h1>링크를 찾을 수 없어요</h1>" in mistyped.text
    assert '<link rel="stylesheet" href="/assets/public.css">' in mistyped.text
    assert '<a href="?lang=zh-Hant" lang="zh-Hant">繁體中文</a>' in mistyped.text
    switched = await web.get("/r/ZZZZ9999?lang=zh-Hant", headers={"accept-language": "ko-KR"})
    assert switched.status_code == 404
    assert web_bot.catalogs.text("zh-Hant", "landing.not_found") in switched.text


async def test_a_flood_from_one_address_is_limited(
    web: httpx.AsyncClient, web_bot: ReferralBot, clock: FakeClock
) -> None:
    code = await alice_code(web_bot, clock)
    statuses = [(await web.get(f"/r/{code}")).status_code for _ in range(40)]
    assert statuses[:30] == [302] * 30 and statuses[-1] == 429


async def test_a_limited_visitor_sees_the_landing_page_s_card_in_their_language(
    web: httpx.AsyncClient, web_bot: ReferralBot, clock: FakeClock
) -> None:
    """Too many clicks from one network: the card /welcome shows, saying when to come back, in
    the visitor's language with the language switcher, and Retry-After for the browser."""
    code = await alice_code(web_bot, clock)
    for _ in range(30):
        await web.get(f"/r/{code}")
    limited = await web.get(f"/r/{code}", headers={"accept-language": "en-US"})
    # 30 at once, then one a second: the limit lets this network in again in a second.
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    assert limited.headers["content-type"].startswith("text/html")
    assert "<h1>Too many clicks</h1>" in limited.text
    assert (
        "This link was opened too many times from your network just now. "
        "Wait 1 second, then open it again."
    ) in limited.text
    assert '<link rel="stylesheet" href="/assets/public.css">' in limited.text
    assert '<a href="?lang=ko" lang="ko">한국어</a>' in limited.text
    korean = await web.get(f"/r/{code}?lang=ko")
    assert korean.status_code == 429 and korean.headers["retry-after"] == "1"
    assert "<h1>링크가 너무 많이 열렸어요</h1>" in korean.text
    assert "1초 뒤에 다시 열어 주세요." in korean.text
    clock.advance(timedelta(seconds=int(korean.headers["retry-after"])))
    assert (await web.get(f"/r/{code}")).status_code == 302  # let in when it said
