"""The web chat channel: a signed visitor cookie, JSON messages in, Server-Sent Events out,
rate limits, hostile text, and messages that wait for a visitor who is away."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.store import Store
from bot.web import create_app
from tests.http.dashboard_kit import dashboard_bot
from tests.live_server import bind, serving

BASE = "https://ref.example"


@pytest.fixture
async def chat_bot(store: Store, clock: FakeClock, tmp_path: Path) -> ReferralBot:
    return await dashboard_bot(store, tmp_path, BASE, clock=clock)


@pytest.fixture
async def browser(chat_bot: ReferralBot) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(chat_bot, run_background=False))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


async def visitor_of(client: httpx.AsyncClient) -> str:
    page = await client.get("/chat")
    assert page.status_code == 200
    return str(client.cookies.get("rb_chat"))


async def post(client: httpx.AsyncClient, text: str, event: str = "") -> httpx.Response:
    body = {"text": text, **({"id": event} if event else {})}
    return await client.post("/chat/messages", json=body)


async def rows_for(bot: ReferralBot) -> list[str]:
    async with bot.store.transaction() as tx:
        return [r.text for r in await tx.outbox.recent() if r.to.channel == "web"]


async def test_the_chat_page_speaks_the_visitors_language_and_sets_a_safe_cookie(
    browser: httpx.AsyncClient,
) -> None:
    page = await browser.get("/chat?join=k7q2m9xa", headers={"accept-language": "ko-KR,ko"})
    assert '<html lang="ko">' in page.text and "채팅하기" in page.text
    assert 'value="JOIN K7Q2M9XA"' in page.text
    assert "보내기를 누르면 K7Q2M9XA 코드로 가입돼요." in page.text
    cookie = page.headers["set-cookie"].lower()
    assert "rb_chat=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" in cookie
    chinese = await browser.get("/chat?lang=zh-Hant")
    assert "與我們聊天" in chinese.text
    script = await browser.get("/chat/assets/chat.js")
    assert script.status_code == 200 and "EventSource" in script.text


async def test_a_message_needs_the_signed_cookie_and_json(
    browser: httpx.AsyncClient, chat_bot: ReferralBot
) -> None:
    assert (await post(browser, "LINK")).status_code == 403  # never opened /chat
    browser.cookies.set("rb_chat", "0" * 32, domain="ref.example")  # an id made up by hand
    assert (await post(browser, "LINK")).status_code == 403
    browser.cookies.clear()
    await visitor_of(browser)
    form = await browser.post("/chat/messages", data={"text": "LINK"})  # a cross-site form
    assert form.status_code == 415
    assert (await browser.post("/chat/messages", content=b"{not json",
                               headers={"content-type": "application/json"})).status_code == 400
    assert await rows_for(chat_bot) == []


async def test_a_message_gets_an_answer_once_even_when_posted_twice(
    browser: httpx.AsyncClient, chat_bot: ReferralBot
) -> None:
    await visitor_of(browser)
    first = await post(browser, "LINK", event="msg-1")
    again = await post(browser, "LINK", event="msg-1")  # the browser retried
    assert first.status_code == again.status_code == 202
    replies = await rows_for(chat_bot)
    assert len(replies) == 1 and f"{BASE}/r/" in replies[0]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\x00LINK\x00", "🎉🎉🎉", "\u202eKNIL", "x" * 10_000, "<script>alert(1)</script>"],
)
async def test_hostile_text_gets_an_answer_not_a_crash(
    browser: httpx.AsyncClient, chat_bot: ReferralBot, text: str
) -> None:
    await visitor_of(browser)
    response = await post(browser, text)
    assert response.status_code == 202
    assert len(await rows_for(chat_bot)) == 1


async def test_over_ten_thousand_characters_is_refused_clearly(
    browser: httpx.AsyncClient, chat_bot: ReferralBot
) -> None:
    await visitor_of(browser)
    response = await post(browser, "x" * 10_001)
    assert response.status_code == 413
    assert response.json() == {"error": "a message has at most 10,000 characters"}
    assert await rows_for(chat_bot) == []


async def test_a_visitor_who_floods_is_slowed_down(
    browser: httpx.AsyncClient, chat_bot: ReferralBot, clock: FakeClock
) -> None:
    from datetime import timedelta

    await visitor_of(browser)
    statuses = [(await post(browser, f"HELP {n}")).status_code for n in range(11)]
    assert statuses == [202] * 10 + [429]
    # Ten at once, then one a second: the limit lets this visitor in again in a second.
    refused = await post(browser, "HELP again")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert refused.json() == {"error": "too many messages; wait 1 second, then send again"}
    clock.advance(timedelta(seconds=int(refused.headers["retry-after"])))
    assert (await post(browser, "HELP again")).status_code == 202  # let in when it said


async def test_a_network_that_floods_with_new_visitors_is_told_its_own_wait(
    chat_bot: ReferralBot, clock: FakeClock
) -> None:
    """A script minting a cookie a message: fifty from one address, then five a second."""
    transport = httpx.ASGITransport(app=create_app(chat_bot, run_background=False))
    statuses = []
    for n in range(51):
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as newcomer:
            await visitor_of(newcomer)
            statuses.append((await post(newcomer, f"HELP {n}")).status_code)
            if n == 50:
                refused = await post(newcomer, "HELP")
    assert statuses == [202] * 50 + [429]
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert refused.json() == {"error": "too many messages; wait 1 second, then send again"}


async def test_the_wait_is_the_limiters_own_rounded_up_to_whole_seconds(
    clock: FakeClock,
) -> None:
    """Not a fixed guess: whichever limit holds the message longer, visitor's or network's."""
    from datetime import timedelta

    from starlette.applications import Starlette

    from bot.app import load_pages
    from bot.channels.web import WebChat
    from bot.channels.web_page import ChatPage
    from bot.core.signing import Signer
    from bot.http.ratelimit import RateLimit

    chat = WebChat(
        signer=Signer("a long enough test secret", "web-chat-visitor", clock),
        page=ChatPage(pages=load_pages(), title="Shop"),
        clock=clock,
        limit=RateLimit(clock=clock, rate=0.25, burst=1),  # one message every 4 s
        network_limit=RateLimit(clock=clock, rate=0.0625, burst=2),  # two, then one every 16 s
        secure=True,
    )
    transport = httpx.ASGITransport(app=Starlette(routes=chat.routes(_Accepting())))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        await visitor_of(client)
        assert (await post(client, "HELP")).status_code == 202
        refused = await post(client, "HELP")
        assert refused.headers["retry-after"] == "4"  # the visitor's bucket
        assert refused.json() == {"error": "too many messages; wait 4 seconds, then send again"}
        clock.advance(timedelta(seconds=2.5))
        assert (await post(client, "HELP")).headers["retry-after"] == "2"  # 1.5 s, rounded up
        clock.advance(timedelta(seconds=1.5))
        assert (await post(client, "HELP")).status_code == 202  # the network's second token
        refused = await post(client, "HELP")
        assert refused.headers["retry-after"] == "12"  # the network's bucket holds it longer
        assert refused.json() == {"error": "too many messages; wait 12 seconds, then send again"}


class _Accepting:
    """An inbox that takes every message, for the channel alone."""

    async def message(self, inbound: object) -> object:
        return None

    async def delivery_report(self, channel: str, provider_id: str, status: str) -> None:
        return None

    async def reachability(self, address: Address, *, reachable: bool) -> None:
        return None


async def test_replies_arrive_over_the_event_stream_and_wait_for_a_visitor_who_is_away(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    sock, base = bind()
    bot = await dashboard_bot(store, tmp_path, base, clock=clock)
    async with serving(create_app(bot, run_background=False), sock), httpx.AsyncClient(
        base_url=base
    ) as client:
        await visitor_of(client)
        web = bot.channels["web"]
        assert web.reach() == frozenset()  # nobody listening yet
        assert (await post(client, "LINK")).status_code == 202
        assert await bot.dispatcher.dispatch_due() == 0  # away: the reply waits in the outbox
        assert len(await rows_for(bot)) == 1
        async with client.stream("GET", "/chat/events") as events:
            lines = events.aiter_lines()
            assert await anext(lines) == ": connected"
            (visitor,) = web.reach() or ()
            await bot.dispatcher.dispatch_due()  # (the connection kicked the real dispatcher)
            data = await asyncio.wait_for(_next_data(lines), 5)
        assert f"{base}/r/" in data["text"]
        async with store.transaction() as tx:
            sent = [r for r in await tx.outbox.recent() if r.to.channel == "web"]
        assert [(r.to, r.status) for r in sent] == [(Address("web", visitor), "sent")]


async def _next_data(lines: AsyncIterator[str]) -> dict[str, object]:
    async for line in lines:
        if line.startswith("data: "):
            found: dict[str, object] = json.loads(line.removeprefix("data: "))
            return found
    raise AssertionError("the stream ended")

