"""The business's CRM reports conversions: authenticated, validated, processed once."""

from __future__ import annotations

import re
from typing import Any

import httpx

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.messages import Address, Inbound, Profile
from tests.fakes import CollectingChannel
from tests.http.conftest import TOKEN

AUTH = {"authorization": f"Bearer {TOKEN}"}


async def alice_code(bot: ReferralBot, clock: FakeClock) -> str:
    await bot.engine.handle(
        Inbound(Address("console", "alice"), "LINK", "e1", clock.now(), Profile(name="alice"))
    )
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("console", "alice"))
    assert found is not None
    return found[0].code


def signup(code: str, key: str = "evt-1", **friend: Any) -> dict[str, Any]:
    return {
        "type": "signup",
        "code": code,
        "idempotency_key": key,
        "friend": friend or {"email": "Bob@Example.com", "name": "Bob"},
    }


async def test_a_signup_counts_and_alice_is_thanked(
    web: httpx.AsyncClient, web_bot: ReferralBot, clock: FakeClock, channel: CollectingChannel
) -> None:
    code = await alice_code(web_bot, clock)
    response = await web.post("/api/v1/events", json=signup(code), headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outcome"] == "counted" and body["duplicate"] is False
    await web_bot.dispatcher.dispatch_due()
    assert channel.to("alice")[-1] == web_bot.catalogs.text(
        "en", "thanks.signup", count=1, friend="Bob"
    )


async def test_the_same_event_twice_changes_nothing(
    web: httpx.AsyncClient, web_bot: ReferralBot, clock: FakeClock
) -> None:
    code = await alice_code(web_bot, clock)
    first = await web.post("/api/v1/events", json=signup(code), headers=AUTH)
    again = await web.post("/api/v1/events", json=signup(code), headers=AUTH)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["referral_id"] == first.json()["referral_id"]
    other = await web.post(
        "/api/v1/events", json=signup(code, email="carol@example.com"), headers=AUTH
    )
    assert other.status_code == 409
    async with web_bot.store.transaction() as tx:
        alice = await tx.participants.by_code(code)
        assert alice is not None
        assert (await tx.referrals.counts(alice.id)).counted == 1


async def test_the_same_friend_by_another_identifier_is_not_counted_twice(
    web: httpx.AsyncClient, web_bot: ReferralBot, clock: FakeClock
) -> None:
    code = await alice_code(web_bot, clock)
    await web.post(
        "/api/v1/events",
        json=signup(code, "k1", email="bob@example.com", phone="+14155550123"),
        headers=AUTH,
    )
    second = await web.post(
        "/api/v1/events", json=signup(code, "k2", phone="+1 415 555 0123"), headers=AUTH
    )
    assert second.json()["outcome"] == "rejected:already_referred"


async def test_wrong_or_missing_token_is_401(web: httpx.AsyncClient) -> None:
    for headers in [{}, {"authorization": "Bearer nope"}, {"authorization": f"Basic {TOKEN}"}]:
        response = await web.post("/api/v1/events", json=signup("K7Q2M9XA"), headers=headers)
        assert response.status_code == 401


async def test_invalid_input_is_422_naming_the_field(web: httpx.AsyncClient) -> None:
    cases = [
        ({"type": "signup", "idempotency_key": "k", "friend": {"email": "a@b.co"}}, "code"),
        ({**signup("K7Q2M9XA"), "type": "sale"}, "type"),
        ({**signup("K7Q2M9XA"), "friend": {"phone": "call me"}}, "friend.phone"),
        ({**signup("K7Q2M9XA"), "friend": {"name": "No Id"}}, "friend"),
        ({**signup("K7Q2M9XA"), "amount": -5}, "amount"),
        ({**signup("K7Q2M9XA"), "occurred_at": "yesterday"}, "occurred_at"),
        ({**signup("K7Q2M9XA"), "frend": {}}, "frend"),
    ]
    for body, field in cases:
        response = await web.post("/api/v1/events", json=body, headers=AUTH)
        assert response.status_code == 422, body
        assert field in [f["field"] for f in response.json()["fields"]], response.json()
    garbage = await web.post("/api/v1/events", content=b"{not json", headers=AUTH)
    assert garbage.status_code == 422


async def test_an_unknown_code_is_recorded_and_answered_clearly(
    web: httpx.AsyncClient, web_bot: ReferralBot
) -> None:
    response = await web.post("/api/v1/events", json=signup("ZZZZ9999"), headers=AUTH)
    assert response.status_code == 200 and response.json()["outcome"] == "unknown_code"
    async with web_bot.store.transaction() as tx:
        row = await tx.conversions.by_key("evt-1")
    assert row is not None and row.outcome == "unknown_code"


async def test_the_schema_is_published(web: httpx.AsyncClient) -> None:
    response = await web.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "EventIn" in response.json()["components"]["schemas"]


async def test_the_schema_says_how_times_are_written(web: httpx.AsyncClient) -> None:
    schemas = (await web.get("/api/v1/openapi.json")).json()["components"]["schemas"]
    created = schemas["ReferralOut"]["properties"]["created_at"]
    assert (created["type"], created["format"]) == ("string", "date-time")
    assert created["description"] == "UTC, to the millisecond: 2026-11-23T15:00:00.000Z"
    assert re.fullmatch(created["pattern"].strip("^$"), "2026-11-23T15:00:00.000Z")
    assert not re.fullmatch(created["pattern"].strip("^$"), "2026-11-23T15:00:00+00:00")
    [qualified, _null] = schemas["ReferralOut"]["properties"]["qualified_at"]["anyOf"]
    assert qualified["pattern"] == created["pattern"]


async def test_a_friend_whose_email_came_with_a_nul_counts_on_every_database(
    web: httpx.AsyncClient, web_bot: ReferralBot, clock: FakeClock, channel: CollectingChannel
) -> None:
    # PostgreSQL's text cannot hold U+0000: this was a 500 and a lost signup there.
    code = await alice_code(web_bot, clock)
    event = signup(code, email="bob\x00@example.com", name="Bob")
    response = await web.post("/api/v1/events", json=event, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "counted"
    again = await web.post("/api/v1/events", json=event, headers=AUTH)
    assert again.json()["duplicate"] is True
    await web_bot.dispatcher.dispatch_due()
    thanks = "Thank you! Bob just joined with your link. That's 1 friend so far."
    assert channel.to("alice")[-1] == thanks
    found = await web.get("/api/v1/participants", params={"query": "bob\x00"}, headers=AUTH)
    assert found.status_code == 200
    assert [p["name"] for p in found.json()["items"]] == ["Bob"]
