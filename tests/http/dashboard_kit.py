"""A program with two-sided rewards and a review after one signup an hour, the bot built with
the web chat, and helpers that act like the people in the stories."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from starlette.types import ASGIApp

from bot.app import ReferralBot, build
from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.messages import Address, Inbound, Profile
from bot.core.store import Store
from bot.http.admin.passwords import hash_password

PROGRAM = """
[program]
name = "Give $20, get $20"
hold_days = 0

[[rewards]]
id = "referrer-cash"
side = "referrer"
unit = "money"
currency = "USD"
amounts = [{ amount = 20 }]

[[rewards]]
id = "friend-cash"
side = "friend"
unit = "money"
currency = "USD"
amounts = [{ amount = 20 }]

[fraud]
signups_per_code_per_hour = 1

[quiet_hours]
start = "00:00"
end = "00:00"
"""
OWNER = ("owner@shop.example", "correct horse battery")
VIEWER = ("viewer@shop.example", "look but do not touch")


def program_file(folder: Path) -> str:
    path = folder / "program.toml"
    path.write_text(PROGRAM, encoding="utf-8")
    return str(path)


async def dashboard_bot(
    store: Store, folder: Path, base_url: str, *, clock: Clock | None, **settings: object
) -> ReferralBot:
    config = Settings(
        database_url=store.db.url,
        public_base_url=base_url,
        referral_program=program_file(folder),
        **settings,  # type: ignore[arg-type]
    )
    bot = await build(config, clock=clock, store=store, web_chat=True)
    async with store.transaction() as tx:
        for (email, password), role in ((OWNER, "owner"), (VIEWER, "viewer")):
            await tx.staff_users.save(
                email=email, password_hash=hash_password(password), role=role, at=bot.clock.now()
            )
    return bot


async def say(bot: ReferralBot, who: Address, text: str, event: str, name: str = "") -> None:
    await bot.inbox.message(Inbound(who, text, event, bot.clock.now(), Profile(name=name)))


async def code_of(bot: ReferralBot, who: Address) -> str:
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(who)
    assert found is not None
    return found[0].code


async def refer(bot: ReferralBot, referrer: str, *friends: str) -> None:
    """`referrer` asks for a link on the web chat, and each of `friends` joins with its code."""
    who = Address("web", "a" * 32)
    await say(bot, who, "LINK", "e0", name=referrer)
    code = await code_of(bot, who)
    for n, friend in enumerate(friends, start=1):
        await say(bot, Address("web", f"{n:032x}"), f"JOIN {code}", f"e{n}", name=friend)


async def held_reward(bot: ReferralBot) -> int:
    """Two friends of Alice's in one hour: the second one's rewards wait for a reviewer."""
    alice = Address("web", "a" * 32)
    await say(bot, alice, "LINK", "e1", name="Alice Kim")
    code = await code_of(bot, alice)
    await say(bot, Address("web", "b" * 32), f"JOIN {code}", "e2", name="Bo")
    await say(bot, Address("web", "c" * 32), f"JOIN {code}", "e3", name="Cy")
    async with bot.store.transaction() as tx:
        rows = await tx.rewards.listing(status="pending")
    held = [r.id for r in rows if r.held is not None]
    assert held
    return held[0]


async def queue_as(
    browser: httpx.AsyncClient, bot: ReferralBot, who: tuple[str, str]
) -> tuple[int, httpx.Response]:
    """A held reward, and the review queue showing it to `who` (signed in)."""
    reward = await held_reward(bot)
    await sign_in(browser, *who)
    return reward, await browser.get("/admin/rewards")


def on_network(app: ASGIApp, host: str) -> httpx.AsyncClient:
    """A browser on the bot's site from the network at `host`, as the server sees it."""
    transport = httpx.ASGITransport(app=app, client=(host, 50_000))
    return httpx.AsyncClient(transport=transport, base_url="https://ref.example")


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    form = await client.get("/admin/sign-in")
    data = {"email": email, "password": password, "csrf": csrf_of(form), "next": "/admin"}
    return await client.post("/admin/sign-in", data=data)
