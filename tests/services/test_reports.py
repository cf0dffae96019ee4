"""The funnel over a known month: every number checked against the history that made it.

November 2026. Alice (SMS) and Bea (Telegram) get their links; Carl got his in October. Three
visitors click. Dan and Eve sign up through Alice's link on the business's site (the API), Fay
through Bea's in Telegram, Gus through Carl's by SMS; Alice tries her own code and Dan tries
Bea's as well. Dan, Eve and Gus buy (the purchase qualifies); Eve is refunded; Gus's reward is
voided by hand; Dan's hold ends and Alice's reward is paid out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.core.fraud import Origin
from bot.core.messages import Address
from bot.core.rewards.review import issue_reward, void_reward
from bot.core.signups import sign_up
from bot.core.store import Store
from bot.core.store.records import Participant
from bot.services.report_json import report_json
from bot.services.reports import Period, funnel, per_day, report
from tests.core.rewards.kit import buy, ledger, program, refund, release

NOV = Period.of_dates(date(2026, 11, 1), date(2026, 11, 30))
PROGRAM = program(qualifying_event="purchase")
DAY = 86_400


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def joins(
    store: Store,
    referrer: Participant,
    friend: Participant,
    channel: str,
    when: datetime,
    visitor: str | None = None,
) -> None:
    async with store.transaction() as tx:
        fresh = await tx.participants.get(friend.id)
        assert fresh is not None
        await sign_up(
            tx,
            program=PROGRAM,
            referrer=referrer,
            friend=fresh,
            code=referrer.code,
            channel=channel,
            at=when,
            origin=Origin(visitor=visitor),
        )


async def november(store: Store) -> dict[str, Participant]:
    people = {}
    for n, (name, channel) in enumerate(
        [
            ("Alice", "sms"),
            ("Bea", "telegram"),
            ("Carl", "sms"),
            ("Dan", "email"),
            ("Eve", "email"),
            ("Fay", "telegram"),
            ("Gus", "sms"),
        ]
    ):
        address = {"sms": f"+1415555010{n}", "telegram": f"70{n}", "email": f"{name}@ex.com"}
        async with store.transaction() as tx:
            people[name] = await tx.participants.create(
                display_name=name, lang="en", at=at(1, 8, 10)
            )
            await tx.participants.attach(
                Address(channel, address[channel]), people[name].id, at=at(1, 8, 10)
            )
    alice, bea, carl = people["Alice"], people["Bea"], people["Carl"]
    async with store.transaction() as tx:
        await tx.participants.mark_link_sent(carl.id, at(1, 10, 10), channel="sms")
        await tx.participants.mark_link_sent(alice.id, at(2, 9), channel="sms")
        await tx.participants.mark_link_sent(bea.id, at(2, 12), channel="telegram")
        for who, visitor, when in [
            (alice, "v1", at(2, 10)),
            (alice, "v1", at(3, 10)),
            (alice, "v2", at(2, 11)),
            (bea, "v3", at(2, 13)),
        ]:
            await tx.clicks.record(
                code=who.code,
                referrer_id=who.id,
                visitor=visitor,
                network=f"net-{visitor}-{when.day}",
                user_agent="",
                at=when,
            )
        # One signup the CRM reports that came through no referral.
        row = await tx.conversions.claim(
            idempotency_key="organic-1",
            type="signup",
            code=None,
            amount=None,
            currency=None,
            occurred_at=at(5, 9),
            received_at=at(5, 9),
            payload={},
        )
        assert row is not None
        await tx.conversions.settle(
            row, outcome="not_referred", participant_id=None, referral_id=None
        )
    await joins(store, alice, people["Dan"], "api", at(4, 10), visitor="v1")  # 48 h after click
    await joins(store, alice, people["Eve"], "api", at(5, 11), visitor="v2")  # 72 h
    await joins(store, bea, people["Fay"], "telegram", at(6, 12))  # 96 h after Bea's link
    await joins(store, alice, alice, "sms", at(8, 9))  # self_referral
    await joins(store, bea, people["Dan"], "telegram", at(8, 10))  # already_referred
    await joins(store, carl, people["Gus"], "sms", at(9, 10))  # 39 days after Carl's link
    await buy(store, PROGRAM, people["Dan"], "50", at=at(10, 10))  # qualified after 6 days
    await buy(store, PROGRAM, people["Eve"], "50", at=at(11, 11))
    await refund(store, PROGRAM, people["Eve"], at=at(12, 9))
    await buy(store, PROGRAM, people["Gus"], "50", at=at(12, 10))  # qualified after 3 days
    gus_reward = (await ledger(store, people["Gus"]))[0]
    async with store.transaction() as tx:
        await void_reward(tx, gus_reward.id, reason="duplicate account", at=at(13, 9), actor="cli")
    await release(store, PROGRAM, at=at(25, 9))  # Dan's two rewards; Gus's hold runs to the 26th
    alice_reward = (await ledger(store, alice))[0]
    async with store.transaction() as tx:
        await issue_reward(tx, alice_reward.id, at=at(26, 9), actor="cli")
    return people


@pytest.fixture
async def people(store: Store) -> dict[str, Participant]:
    return await november(store)


async def test_the_months_funnel_counts_every_step(
    store: Store, people: dict[str, Participant]
) -> None:
    async with store.transaction() as tx:
        found = await report(tx, NOV)
    f = found.funnel
    assert [(s.name, s.count, s.rate) for s in f.steps] == [
        ("links", 2, None),
        ("clicks", 3, 1.5),
        ("signups", 6, 2.0),
        ("qualified", 2, 1 / 3),
    ]
    assert f.pending == 2  # Eve (refunded) and Fay
    assert {r.reason: r.count for r in f.rejected} == {
        "self_referral": 1,
        "already_customer": 0,
        "already_referred": 1,
        "attribution_expired": 0,
        "cap_reached": 0,
        "suspected_fraud": 0,
    }
    assert {s.status: s.count for s in f.rewards} == {
        "pending": 1,
        "approved": 1,
        "issued": 1,
        "voided": 3,
    }
    assert [(t.status, t.unit, t.measure, t.count, t.amount) for t in f.reward_totals] == [
        ("pending", "money", "USD", 1, Decimal(20)),
        ("approved", "money", "USD", 1, Decimal(20)),
        ("issued", "money", "USD", 1, Decimal(20)),
        ("voided", "money", "USD", 3, Decimal(60)),
    ]
    assert [(r.rule_id, r.rule_version, r.status, r.count) for r in f.by_rule] == [
        ("friend-cash", 0, "approved", 1),
        ("friend-cash", 0, "voided", 2),
        ("referrer-cash", 0, "issued", 1),
        ("referrer-cash", 0, "pending", 1),
        ("referrer-cash", 0, "voided", 1),
    ]
    assert found.referred_share == 4 / 5  # four counted signups, one the CRM says was organic


async def test_each_channel_has_its_own_funnel(
    store: Store, people: dict[str, Participant]
) -> None:
    async with store.transaction() as tx:
        found = await report(tx, NOV)
    steps = {f.channel: [s.count for s in f.steps] for f in found.by_channel}
    assert steps == {
        "sms": [1, 2, 2, 1],
        "telegram": [1, 1, 2, 0],
        "slack": [0, 0, 0, 0],
        "console": [0, 0, 0, 0],
        "web": [0, 0, 0, 0],
        "api": [0, 0, 2, 1],
    }
    api = next(f for f in found.by_channel if f.channel == "api")
    assert {s.status: s.count for s in api.rewards} == {
        "pending": 0,
        "approved": 1,
        "issued": 1,
        "voided": 2,
    }
    async with store.transaction() as tx:
        telegram = await funnel(tx, Period(NOV.start, NOV.end, channel="telegram"))
    assert telegram.pending == 1 and telegram.rejected_total == 1
    assert telegram.step("qualified").rate == 0.0


async def test_time_to_convert_is_median_and_p90_by_nearest_rank(
    store: Store, people: dict[str, Participant]
) -> None:
    async with store.transaction() as tx:
        ttc = (await report(tx, NOV)).time_to_convert
    # To signup: 2, 3, 4 and 39 days; to qualified: Dan 6 days, Gus 3 (Eve's was refunded).
    assert (ttc.to_signup.count, ttc.to_signup.median, ttc.to_signup.p90) == (4, 3 * DAY, 39 * DAY)
    assert (ttc.to_qualified.count, ttc.to_qualified.median, ttc.to_qualified.p90) == (
        2,
        3 * DAY,
        6 * DAY,
    )


async def test_top_referrers_and_new_referrers_by_week(
    store: Store, people: dict[str, Participant]
) -> None:
    async with store.transaction() as tx:
        found = await report(tx, NOV)
    assert [(t.rank, t.display_name, t.signups, t.qualified) for t in found.top_referrers] == [
        (1, "Alice", 2, 1),
        (2, "Carl", 1, 1),
        (3, "Bea", 1, 0),
    ]
    assert [(w.week, w.count) for w in found.new_referrers] == [
        (date(2026, 11, 2), 2),
        (date(2026, 11, 9), 1),
    ]


async def test_a_period_ends_with_its_last_day_included(
    store: Store, people: dict[str, Participant]
) -> None:
    async with store.transaction() as tx:
        first_days = await funnel(tx, Period.of_dates(date(2026, 11, 1), date(2026, 11, 4)))
        october = await funnel(tx, Period.of_dates(date(2026, 10, 1), date(2026, 10, 31)))
        december = await report(tx, Period.of_dates(date(2026, 12, 1), None))
    assert [s.count for s in first_days.steps] == [2, 3, 1, 1]  # Dan, who later qualified
    assert [s.count for s in october.steps] == [1, 0, 0, 0]  # Carl's link
    assert [s.count for s in december.funnel.steps] == [0, 0, 0, 0]
    assert december.time_to_convert.to_signup.median is None
    assert december.referred_share is None


async def test_the_json_form_carries_the_same_numbers(
    store: Store, people: dict[str, Participant]
) -> None:
    async with store.transaction() as tx:
        body = report_json(await report(tx, NOV))
    assert body["from"] == "2026-11-01T00:00:00.000Z" and body["to"] == "2026-12-01T00:00:00.000Z"
    assert body["funnel"]["steps"][2] == {"name": "signups", "count": 6, "rate": 2.0}
    assert body["funnel"]["rewards"] == {"pending": 1, "approved": 1, "issued": 1, "voided": 3}
    assert body["funnel"]["reward_totals"][3]["amount"] == "60"
    assert body["time_to_convert"]["to_signup"]["p90_seconds"] == 39 * DAY
    assert body["top_referrers"][0]["name"] == "Alice"
    assert timedelta(
        seconds=body["time_to_convert"]["to_qualified"]["median_seconds"]
    ) == timedelta(days=3)


async def test_the_chart_has_each_days_signups_and_qualified(
    store: Store, people: dict[str, Participant]
) -> None:
    async with store.snapshot() as tx:
        days = await per_day(tx, NOV)
        telegram = await per_day(tx, Period(NOV.start, NOV.end, "telegram"))
    assert [(d.day.day, d.signups, d.qualified) for d in days] == [
        (4, 1, 1),  # Dan, who bought
        (5, 1, 0),  # Eve, refunded
        (6, 1, 0),  # Fay
        (8, 2, 0),  # Alice's own code and Dan's second try: signups, rejected
        (9, 1, 1),  # Gus, who bought
    ]
    assert sum(d.signups for d in days) == 6  # the funnel's signups step
    assert [(d.day.day, d.signups) for d in telegram] == [(6, 1), (8, 1)]
