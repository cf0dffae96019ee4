"""The business's CRM reads and acts on the program through `/api/v1`, over a known month."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from bot.app import ReferralBot
from bot.core.store.records import Participant
from tests.fakes import CollectingChannel
from tests.http.conftest import TOKEN
from tests.services.test_reports import november

AUTH = {"authorization": f"Bearer {TOKEN}"}
INSTANT = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\Z")


@pytest.fixture
async def people(web_bot: ReferralBot) -> dict[str, Participant]:
    return await november(web_bot.store)


async def get(web: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await web.get(path, params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


async def test_participants_show_masked_phones_unless_revealed(
    web: httpx.AsyncClient, people: dict[str, Participant]
) -> None:
    alice = people["Alice"]
    body = await get(web, f"/api/v1/participants/{alice.id}")
    assert body["name"] == "Alice" and body["link"] == f"https://ref.example/r/{alice.code}"
    assert body["identities"] == [
        {"channel": "sms", "address": "+14*******00", "opted_out": False, "unreachable": False}
    ]
    assert body["counts"] == {
        "signed_up": 1,
        "qualified": 0,
        "rewarded": 1,
        "rejected": 1,
        "counted": 2,
    }
    assert {r["status"] for r in body["rewards"]} == {"issued", "voided"}
    revealed = await get(web, f"/api/v1/participants/{alice.id}", reveal="true")
    assert revealed["identities"][0]["address"] == "+14155550100"
    found = await get(web, "/api/v1/participants", query="ali")
    assert [p["name"] for p in found["items"]] == ["Alice"]
    by_phone = await get(web, "/api/v1/participants", query="+14155550106")
    assert [p["name"] for p in by_phone["items"]] == ["Gus"]
    inside = await get(web, "/api/v1/participants", query="LIC")  # part of "Alice"
    assert [p["name"] for p in inside["items"]] == ["Alice"]
    undialled = await get(web, "/api/v1/participants", query="14155550106")
    assert [p["name"] for p in undialled["items"]] == ["Gus"]


def times_in(found: Any) -> dict[str, str]:
    """Every `..._at` and `hold_until` in an answer, by where it is."""
    times: dict[str, str] = {}

    def walk(value: Any, where: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if (key.endswith("_at") or key == "hold_until") and inner is not None:
                    times[f"{where}.{key}"] = inner
                else:
                    walk(inner, f"{where}.{key}")
        elif isinstance(value, list):
            for n, inner in enumerate(value):
                walk(inner, f"{where}[{n}]")

    walk(found, "")
    return times


async def test_every_time_is_utc_to_the_millisecond_with_a_z(
    web: httpx.AsyncClient, people: dict[str, Participant]
) -> None:
    alice = await get(web, f"/api/v1/participants/{people['Alice'].id}")
    assert alice["created_at"] == "2026-10-01T08:00:00.000Z"
    assert alice["link_sent_at"] == "2026-11-02T09:00:00.000Z"
    referrals = await get(web, "/api/v1/referrals")
    participants = await get(web, "/api/v1/participants")
    times = times_in([alice, referrals, participants])
    assert len(times) > 20 and any(".rewards[" in where for where in times)
    assert {where: t for where, t in times.items() if not INSTANT.match(t)} == {}


async def test_unknown_and_malformed_ids_are_json_errors_naming_the_field(
    web: httpx.AsyncClient, people: dict[str, Participant]
) -> None:
    missing = await web.get("/api/v1/participants/999", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "there is no participant 999",
        "fields": [{"field": "id", "message": "unknown"}],
    }
    for bad in ("abc", "0", "99999999999999999999", "١٢"):
        response = await web.get(f"/api/v1/participants/{bad}", headers=AUTH)
        assert response.status_code == 422 and response.json()["fields"][0]["field"] == "id"
    wrong = await web.get("/api/v1/referrals?status=lost&limit=1000&colour=red", headers=AUTH)
    assert wrong.status_code == 422
    assert {f["field"] for f in wrong.json()["fields"]} == {
        "query.status",
        "query.limit",
        "query.colour",
    }
    assert (await web.get("/api/v1/rewards")).status_code == 401


async def test_referral_pages_stay_put_while_referrals_are_added(
    web: httpx.AsyncClient, web_bot: ReferralBot, people: dict[str, Participant]
) -> None:
    first = await get(web, "/api/v1/referrals", limit=4)
    assert [r["id"] for r in first["items"]] == [6, 5, 4, 3]
    await web.post(
        "/api/v1/events",
        json={
            "type": "signup",
            "code": people["Bea"].code,
            "idempotency_key": "late-1",
            "friend": {"email": "hal@ex.com", "name": "Hal"},
        },
        headers=AUTH,
    )
    second = await get(web, "/api/v1/referrals", limit=4, cursor=first["next_cursor"])
    assert [r["id"] for r in second["items"]] == [2, 1] and second["next_cursor"] is None
    newest = await get(web, "/api/v1/referrals", limit=1)
    assert newest["items"][0]["id"] == 7 and newest["items"][0]["channel"] == "api"
    dan = (await get(web, "/api/v1/referrals", referrer_id=people["Alice"].id, status="rewarded"))[
        "items"
    ]
    assert [(r["friend_id"], len(r["rewards"])) for r in dan] == [(people["Dan"].id, 2)]
    since = await get(web, "/api/v1/referrals", since="2026-11-08T00:00:00Z")
    assert [r["id"] for r in since["items"]] == [7, 6, 5, 4]
    rejected = await get(web, "/api/v1/referrals", status="rejected")
    assert {r["reason"] for r in rejected["items"]} == {"self_referral", "already_referred"}


async def test_rewards_are_approved_voided_and_issued_as_in_the_cli(
    web: httpx.AsyncClient,
    web_bot: ReferralBot,
    channel: CollectingChannel,
    people: dict[str, Participant],
) -> None:
    pending = (await get(web, "/api/v1/rewards", status="pending"))["items"]
    assert [r["participant_id"] for r in pending] == [people["Carl"].id]
    carl_reward = pending[0]["id"]
    again = await web.post(f"/api/v1/rewards/{carl_reward}/issue", headers=AUTH)
    assert again.status_code == 409
    assert again.json()["error"] == f"reward {carl_reward} is pending: approve it first"
    approved = await web.post(f"/api/v1/rewards/{carl_reward}/approve", headers=AUTH)
    assert approved.status_code == 200, approved.text
    assert approved.json()["reward"]["status"] == "approved"
    issued = await web.post(
        f"/api/v1/rewards/{carl_reward}/issue", json={"reference": "PAYPAL-7781"}, headers=AUTH
    )
    assert issued.json()["reward"]["status"] == "issued"
    async with web_bot.store.transaction() as tx:
        entries = await tx.rewards.entries(carl_reward)
    assert [(status, actor) for status, _, _, actor in entries][-2:] == [
        ("approved", "api"),
        ("issued", "api"),
    ]
    assert entries[-1][2] == "PAYPAL-7781"
    dans = [r for r in (await get(web, "/api/v1/rewards", status="approved"))["items"]]
    no_reason = await web.post(f"/api/v1/rewards/{dans[0]['id']}/void", json={}, headers=AUTH)
    assert no_reason.status_code == 422 and no_reason.json()["fields"][0]["field"] == "reason"
    voided = await web.post(
        f"/api/v1/rewards/{dans[0]['id']}/void", json={"reason": "duplicate account"}, headers=AUTH
    )
    assert voided.json()["reward"]["reason"] == "duplicate account"
    gone = await web.post(
        f"/api/v1/rewards/{dans[0]['id']}/void", json={"reason": "twice"}, headers=AUTH
    )
    assert gone.status_code == 409 and "void already" in gone.json()["error"]
    assert (await web.post("/api/v1/rewards/9999/approve", headers=AUTH)).status_code == 404


async def test_the_funnel_report_is_the_same_numbers_as_the_cli(
    web: httpx.AsyncClient, people: dict[str, Participant]
) -> None:
    body = await get(web, "/api/v1/reports/funnel", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert [s["count"] for s in body["funnel"]["steps"]] == [2, 3, 6, 2]
    assert body["funnel"]["rejected"]["self_referral"] == 1
    assert body["referred_share"] == 0.8
    api = await get(web, "/api/v1/reports/funnel", channel="api", to="2026-11-30")
    assert [s["count"] for s in api["funnel"]["steps"]] == [0, 0, 2, 1]
    backwards = await web.get("/api/v1/reports/funnel?from=2026-11-30&to=2026-11-01", headers=AUTH)
    assert backwards.status_code == 422 and backwards.json()["fields"][0]["field"] == "query.to"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 30 + b"1" + b"}" * 30,
        b'{"type": "signup", "amount": 1' + b"0" * 5000 + b"}",
        b'{"amount": NaN}',
        b"\xff\xfe{}",
        b"",
        b'"just a string"',
    ],
    ids=["deep-list", "deep-object", "huge-number", "nan", "bad-utf8", "empty", "string"],
)
async def test_hostile_bodies_are_refused_never_a_server_error(
    web: httpx.AsyncClient, body: bytes
) -> None:
    for path in ("/api/v1/events", "/api/v1/rewards/1/void"):
        response = await web.post(path, content=body, headers=AUTH)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["fields"][0]["field"] == "(body)"
