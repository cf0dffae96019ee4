"""At the edges, the OpenAPI document and the server agree: the largest id, the finest amount,
a cursor of its own list, a date in the years the API takes. Each request is asked of both."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import jsonschema_rs
import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.store.records import Participant
from tests.http.conftest import TOKEN
from tests.services.test_reports import november

AUTH = {"authorization": f"Bearer {TOKEN}"}
LARGEST = 2**63 - 1


@pytest.fixture
async def people(web_bot: ReferralBot) -> dict[str, Participant]:
    return await november(web_bot.store)


@pytest.fixture
async def document(web: httpx.AsyncClient) -> dict[str, Any]:
    return (await web.get("/api/v1/openapi.json")).json()  # type: ignore[no-any-return]


def body_allowed(document: dict[str, Any], model: str, body: object) -> bool:
    schema = {"$ref": f"#/components/schemas/{model}", "components": document["components"]}
    return jsonschema_rs.validator_for(schema).is_valid(body)


def query_allowed(document: dict[str, Any], path: str, name: str, value: str) -> bool:
    parameters = document["paths"][path]["get"]["parameters"]
    schema = next(p["schema"] for p in parameters if p["name"] == name)
    return jsonschema_rs.validator_for(schema).is_valid(value)


def purchase(key: str, **extra: Any) -> dict[str, Any]:
    return {"type": "purchase", "idempotency_key": key, "friend": {"email": "bob@ex.com"}, **extra}


async def test_any_id_the_document_allows_is_looked_up_and_one_past_it_is_refused(
    web: httpx.AsyncClient, document: dict[str, Any], people: dict[str, Participant]
) -> None:
    path_id = document["paths"]["/api/v1/participants/{id}"]["get"]["parameters"][0]
    assert path_id["schema"]["maximum"] == LARGEST
    unknown = await web.get(f"/api/v1/participants/{LARGEST - 1}", headers=AUTH)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "there is no participant 9223372036854775806"
    assert (await web.post(f"/api/v1/rewards/{LARGEST}/approve", headers=AUTH)).status_code == 404
    past = await web.get(f"/api/v1/participants/{LARGEST + 1}", headers=AUTH)
    assert past.status_code == 422
    assert past.json()["fields"] == [
        {"field": "id", "message": "a whole number from 1 to 9223372036854775807"}
    ]
    padded = await web.get(f"/api/v1/participants/{'0' * 5000}{people['Alice'].id}", headers=AUTH)
    assert padded.json()["name"] == "Alice"


@pytest.mark.parametrize(
    ("amount", "accepted"),
    [
        (12.5, True),
        ("12.3456", True),
        (99999999999999.98, True),
        (0, True),
        (2.2e279, False),
        (10**14, False),
        (0.00001, False),
        ("12.34567", False),
        ("1E+3", False),
        ("-1", False),
        (-0.5, False),
    ],
)
async def test_an_amount_is_taken_exactly_when_the_document_allows_it(
    web: httpx.AsyncClient, document: dict[str, Any], amount: object, accepted: bool
) -> None:
    body = purchase("p1", amount=amount)
    assert body_allowed(document, "EventIn", body) is accepted
    answer = await web.post("/api/v1/events", json=body, headers=AUTH)
    assert answer.status_code == (200 if accepted else 422), answer.text
    if not accepted:
        assert [f["field"] for f in answer.json()["fields"]] == ["amount"]


async def test_a_cursor_is_a_place_in_its_own_list_only(
    web: httpx.AsyncClient, document: dict[str, Any], people: dict[str, Participant]
) -> None:
    rewards = (await web.get("/api/v1/rewards?limit=1", headers=AUTH)).json()
    assert rewards["next_cursor"] == f"rewards.{rewards['items'][0]['id']}"
    crossed = await web.get(f"/api/v1/referrals?cursor={rewards['next_cursor']}", headers=AUTH)
    assert crossed.status_code == 422
    assert crossed.json()["fields"] == [
        {
            "field": "query.cursor",
            "message": "not a cursor of referrals: pass next_cursor of the last page",
        }
    ]
    assert not query_allowed(document, "/api/v1/referrals", "cursor", rewards["next_cursor"])
    assert not query_allowed(document, "/api/v1/referrals", "cursor", "0")
    assert (await web.get("/api/v1/referrals?cursor=0", headers=AUTH)).status_code == 422
    # any cursor of the pattern is a place in the list: below referral 3, or past every one
    below_three = (await web.get("/api/v1/referrals?cursor=referrals.3", headers=AUTH)).json()
    assert [r["id"] for r in below_three["items"]] == [2, 1]
    past_all = await web.get(f"/api/v1/referrals?cursor=referrals.{'9' * 19}", headers=AUTH)
    assert [r["id"] for r in past_all.json()["items"]] == [6, 5, 4, 3, 2, 1]


async def test_a_purchase_from_before_2000_or_tomorrow_is_refused_and_not_kept(
    web: httpx.AsyncClient, web_bot: ReferralBot, clock: FakeClock, document: dict[str, Any]
) -> None:
    for key, when in [
        ("ancient", "0001-01-01T00:00:00Z"),
        ("y2k", "1999-12-31T23:59:59Z"),
        ("far", "9999-12-31T23:59:59Z"),
    ]:
        body = purchase(key, occurred_at=when, amount=30)
        assert not body_allowed(document, "EventIn", body)
        answer = await web.post("/api/v1/events", json=body, headers=AUTH)
        assert answer.status_code == 422
        assert answer.json()["fields"] == [
            {"field": "occurred_at", "message": "a year from 2000 to 2099"}
        ]
    ahead = purchase("ahead", occurred_at=(clock.now() + timedelta(days=2)).isoformat())
    answer = await web.post("/api/v1/events", json=ahead, headers=AUTH)
    assert answer.json()["fields"] == [
        {
            "field": "occurred_at",
            "message": "in the future: no later than a day after now (2026-11-23T15:00:00.000Z)",
        }
    ]
    async with web_bot.store.transaction() as tx:
        for key in ("ancient", "y2k", "far", "ahead"):
            assert await tx.conversions.by_key(key) is None
    # the first moment of 2000, and a clock that runs hours ahead of ours, are fine
    fast = (clock.now() + timedelta(hours=20)).isoformat()
    for key, when in [("first", "2000-01-01T00:00:00Z"), ("fast", fast)]:
        body = purchase(key, occurred_at=when)
        assert (await web.post("/api/v1/events", json=body, headers=AUTH)).status_code == 200


async def test_a_report_period_is_never_open_ended_by_a_date_far_away(
    web: httpx.AsyncClient, document: dict[str, Any], people: dict[str, Participant]
) -> None:
    far = await web.get("/api/v1/reports/funnel?from=9999-01-01&to=9999-12-31", headers=AUTH)
    assert far.status_code == 422
    assert far.json()["fields"] == [
        {"field": "query.from", "message": "a year from 2000 to 2099"},
        {"field": "query.to", "message": "a year from 2000 to 2099"},
    ]
    assert not query_allowed(document, "/api/v1/reports/funnel", "to", "9999-12-31")
    last = await web.get("/api/v1/reports/funnel?to=2099-12-31", headers=AUTH)
    assert last.json()["to"] == "2100-01-01T00:00:00.000Z"


async def test_blank_is_refused_by_both_though_it_has_a_length(
    web: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    assert not body_allowed(document, "VoidIn", {"reason": "\n"})
    blank = await web.post("/api/v1/rewards/1/void", json={"reason": "\u2003"}, headers=AUTH)
    assert blank.status_code == 422 and blank.json()["fields"][0]["field"] == "reason"
    spaces = await web.post("/api/v1/outbox/retry", content=b"\t", headers=AUTH)
    assert spaces.status_code == 422 and spaces.json()["error"] == "the body is not valid JSON"
    # a phone number ends in no space, so one the pattern allows is the same number stripped
    for key, phone, accepted in [("p1", "+1 415 555 0123", True), ("p2", "+1 ", False)]:
        body = purchase(key, friend={"phone": phone})
        assert body_allowed(document, "EventIn", body) is accepted
        answer = await web.post("/api/v1/events", json=body, headers=AUTH)
        assert answer.status_code == (200 if accepted else 422)


async def test_a_retry_names_one_row_or_a_kind_of_rows_never_both(
    web: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    for body, status in [
        ({"id": 999, "channel": "slack"}, 422),
        ({"id": 999, "status": "dead"}, 422),
        ({"id": 999, "channel": None}, 404),  # a null is as good as absent
        ({"status": "dead", "channel": "slack"}, 200),
    ]:
        assert body_allowed(document, "RetryIn", body) is (status != 422), body
        answer = await web.post("/api/v1/outbox/retry", json=body, headers=AUTH)
        assert answer.status_code == status, answer.text


async def test_a_slack_id_longer_than_slack_makes_is_refused_on_every_database(
    web: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    # PostgreSQL's index holds no address past ~2.7 KB: this was a 500 there, 200 on SQLite.
    long_id = "T01:U" + "".join(f"{n:04X}" for n in range(1000))
    body = purchase("s1", friend={"slack_id": long_id})
    assert not body_allowed(document, "EventIn", body)
    answer = await web.post("/api/v1/events", json=body, headers=AUTH)
    assert answer.status_code == 422
    assert answer.json()["fields"][0]["field"] == "friend.slack_id"
